from .base_depth_head import BaseDepthHead
from .densedepth_head import DenseDepthHead
from .adabins_head import AdabinsHead
from .ordinal_regression_head import OrdinalRegressionHead
from .attractor_head import AttractorHead

__all__ = ['BaseDepthHead', 'DenseDepthHead', 'AdabinsHead',
           'OrdinalRegressionHead',
           'AttractorHead']
