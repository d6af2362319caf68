"""Metrics registered for mmengine evaluators."""
from .depth_metric import DepthMetric

__all__ = ['DepthMetric']
