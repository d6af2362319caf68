from .base_depth_head import BaseDepthHead
from .densedepth_head import DenseDepthHead

__all__ = ['BaseDepthHead', 'DenseDepthHead']
