"""Decode heads: features to depth, each with its losses."""
from .adabins_head import AdabinsHead
from .attractor_head import AttractorHead
from .base_depth_head import BaseDepthHead
from .binsformer_head import BinsFormerHead
from .densedepth_head import DenseDepthHead
from .dpt_head import DPTHead
from .ordinal_regression_head import OrdinalRegressionHead

__all__ = [
    'BaseDepthHead', 'DenseDepthHead', 'AdabinsHead', 'OrdinalRegressionHead',
    'AttractorHead', 'DPTHead', 'BinsFormerHead'
]
