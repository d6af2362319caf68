"""Strict loading with a readable report."""
from typing import Dict

import torch.nn as nn
from torch import Tensor


def state_dict_mismatch(model: nn.Module, state_dict: Dict[str,
                                                           Tensor]) -> str:
    """How ``state_dict`` fails to fit ``model`` (empty if it fits).

    Args:
        model (nn.Module): The target model.
        state_dict (dict[str, Tensor]): Tensors to load.

    Returns:
        str: The counts and the first 20 of the missing, unexpected and
        mis-shaped keys, or ``''``.
    """
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    mismatched = [
        f'{k}: {tuple(v.shape)} vs model {tuple(own[k].shape)}'
        for k, v in state_dict.items() if k in own and v.shape != own[k].shape
    ]
    parts = []
    for name, keys in (('missing', missing), ('unexpected', unexpected),
                       ('shape mismatch', mismatched)):
        if keys:
            parts.append(f'{len(keys)} {name}: {keys[:20]}')
    return '; '.join(parts)


def check_strict_load(model: nn.Module,
                      state_dict: Dict[str, Tensor],
                      source: str = 'checkpoint') -> None:
    """Load ``state_dict`` into ``model`` strictly.

    Args:
        model (nn.Module): The target model.
        state_dict (dict[str, Tensor]): Converted tensors.
        source (str): Name of the source (for messages).

    Raises:
        RuntimeError: Listing the missing, unexpected and mis-shaped keys
            (first 20 of each) when any exist.
    """
    problem = state_dict_mismatch(model, state_dict)
    if problem:
        raise RuntimeError(f'{source} does not fit the model: {problem}')
    model.load_state_dict(state_dict, strict=True)
