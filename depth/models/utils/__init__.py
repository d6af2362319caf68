from .norm_act import NormAct, split_norm_act

__all__ = ['NormAct', 'split_norm_act']
