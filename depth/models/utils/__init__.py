"""Model utilities: norm/activation splitting, the resize wrapper, the
Xavier initialisation of matrices and the checks of ``pretrained``."""
from .norm_act import NormAct, split_norm_act
from .pretrained import check_pretrained_file, timm_pretrained_kwargs
from .weight_init import xavier_init_matrices
from .wrappers import resize

__all__ = [
    'NormAct', 'split_norm_act', 'resize', 'xavier_init_matrices',
    'check_pretrained_file', 'timm_pretrained_kwargs'
]
