"""Evaluation: the depth metrics and their functional form."""
from .functional import (CROP_TYPES, EVAL_KEYS, METRIC_NAMES, crop_box,
                         depth_metrics, eval_mask, eval_settings)
from .metrics import DepthMetric

__all__ = [
    'DepthMetric', 'eval_mask', 'eval_settings', 'EVAL_KEYS', 'crop_box',
    'depth_metrics', 'METRIC_NAMES', 'CROP_TYPES'
]
