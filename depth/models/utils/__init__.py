"""Model utilities: norm/activation splitting, the resize wrapper and the
Xavier initialisation of matrices."""
from .norm_act import NormAct, split_norm_act
from .weight_init import xavier_init_matrices
from .wrappers import resize

__all__ = ['NormAct', 'split_norm_act', 'resize', 'xavier_init_matrices']
