"""Conversion of released checkpoints of other code bases to ours.

The command-line entry points are ``tools/model_converters/*2depth.py``;
the rules live here so that tests (and users) can apply them to state
dicts directly.
"""
from .adabins import convert_adabins_state_dict, fold_conv_biases
from .checked_save import save_checked
from .key_rule import KeyRule, apply_key_rules
from .mdet import MDET_FAMILIES, MdetFamily, convert_mdet_state_dict
from .release_io import (RELEASE_SAFE_GLOBALS, load_release, save_converted,
                         strip_prefix, unwrap_state_dict)
from .strict_load import check_strict_load

__all__ = [
    'KeyRule', 'apply_key_rules', 'RELEASE_SAFE_GLOBALS', 'load_release',
    'save_converted', 'strip_prefix', 'unwrap_state_dict', 'check_strict_load',
    'convert_adabins_state_dict', 'fold_conv_biases', 'save_checked',
    'MDET_FAMILIES', 'MdetFamily', 'convert_mdet_state_dict'
]
