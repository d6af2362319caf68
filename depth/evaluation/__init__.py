"""Evaluation: the depth metrics and their functional form."""
from .functional import (CROP_TYPES, METRIC_NAMES, crop_box, depth_metrics,
                         eval_mask)
from .metrics import DepthMetric

__all__ = [
    'DepthMetric', 'eval_mask', 'crop_box', 'depth_metrics', 'METRIC_NAMES',
    'CROP_TYPES'
]
