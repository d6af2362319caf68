"""Thin wrappers around ``torch.nn.functional`` used across the models."""
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor


def resize(x: Tensor,
           size: Sequence[int],
           mode: str = 'bilinear',
           align_corners: bool = False) -> Tensor:
    """Resize ``x`` ``(N, C, H, W)`` to ``size`` ``(h, w)``.

    Returns ``x`` itself when it already has that size (no copy, no
    interpolation kernel), otherwise ``F.interpolate``. ``align_corners``
    only applies to the linear modes.

    Args:
        x (Tensor): Maps ``(N, C, H, W)``.
        size (Sequence[int]): Target ``(h, w)``.
        mode (str): Interpolation mode. Defaults to ``'bilinear'``.
        align_corners (bool): As in ``F.interpolate``. Defaults to False.

    Returns:
        Tensor: ``(N, C, h, w)``.
    """
    # sizes traced for ONNX export (tensors under torch.jit.trace, SymInts
    # under torch.export) stay symbolic, so exported graphs keep dynamic
    # sizes; plain numbers become ints
    size = tuple(
        s if isinstance(s, (Tensor, torch.SymInt)) else int(s) for s in size)
    if tuple(x.shape[-2:]) == size:
        return x
    linear = mode in ('linear', 'bilinear', 'bicubic', 'trilinear')
    return F.interpolate(
        x,
        size=size,
        mode=mode,
        align_corners=align_corners if linear else None)
