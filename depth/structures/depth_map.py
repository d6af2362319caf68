"""Reading the depth map of a data sample's ``PixelData`` field."""
from typing import Any

import numpy as np
import torch
from torch import Tensor


def depth_map_tensor(field: Any) -> Tensor:
    """The ``(H, W)`` map of a depth field.

    Args:
        field: A ``PixelData`` (``gt_depth_map``/``pred_depth_map``) or its
            dict form (``{'data': ...}``, as data samples become after
            ``to_dict``), holding a ``(1, H, W)`` or ``(H, W)`` tensor or
            array.

    Returns:
        Tensor: ``(H, W)``, on the field's device and dtype.
    """
    data = field['data'] if isinstance(field, dict) else field.data
    data = torch.as_tensor(data)
    if data.dim() == 3 and data.shape[0] == 1:
        data = data[0]
    if data.dim() != 2:
        raise ValueError('depth_map_tensor: a depth map is (1, H, W) or '
                         f'(H, W), got shape {tuple(data.shape)}')
    return data


def depth_map_array(field: Any) -> np.ndarray:
    """:func:`depth_map_tensor` as a float32 ``(H, W)`` numpy array on the
    host."""
    return depth_map_tensor(field).detach().cpu().numpy().astype(
        np.float32, copy=False)
