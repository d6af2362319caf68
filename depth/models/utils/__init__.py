"""Model utilities: norm/activation splitting and the resize wrapper."""
from .norm_act import NormAct, split_norm_act
from .wrappers import resize

__all__ = ['NormAct', 'split_norm_act', 'resize']
