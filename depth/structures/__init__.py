"""Data structures passed between pipeline, model and metric."""
from .depth_data_sample import DepthDataSample

__all__ = ['DepthDataSample']
