"""The boilerplate every loss shares: its name, full precision, empty
batches and the valid-depth mask."""
import contextlib
from typing import Iterator, Optional

import torch
import torch.nn as nn
from torch import Tensor


class BaseDepthLoss(nn.Module):
    """Base of the losses of ``depth``.

    A head's ``compute_losses`` stores each loss under its
    :attr:`loss_name` (which must start with ``loss_``, so that mmengine's
    ``parse_losses`` sums it). Subclasses use:

    - :meth:`full_precision`: compute in float32 even under autocast (logs
      and softmaxes of fp16/bf16 values lose too much);
    - :meth:`zero`: the loss of a batch with nothing to learn from, a zero
      still attached to the graph (DDP needs every parameter's gradient);
    - :meth:`valid_depth`: the ground-truth pixels that count, ``gt > 0``
      and, with ``max_depth``, ``gt <= max_depth``.

    Args:
        loss_name (str): Key in the loss dict; must start with ``loss_``.
    """

    def __init__(self, loss_name: str) -> None:
        super().__init__()
        if not isinstance(loss_name, str) or not loss_name.startswith('loss_'):
            raise ValueError(f'{type(self).__name__}: loss_name must start '
                             f"with 'loss_', got {loss_name!r}")
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """The key of this loss in the loss dict."""
        return self._loss_name

    @staticmethod
    @contextlib.contextmanager
    def full_precision(ref: Tensor) -> Iterator[None]:
        """Autocast off on ``ref``'s device for the ``with`` block."""
        with torch.autocast(device_type=ref.device.type, enabled=False):
            yield

    @staticmethod
    def zero(ref: Tensor) -> Tensor:
        """A scalar 0 attached to ``ref``'s graph."""
        return ref.sum() * 0.0

    @staticmethod
    def valid_depth(target: Tensor, max_depth: Optional[float] = None):
        """Boolean mask of the valid ground-truth pixels of ``target``."""
        mask = target > 0
        if max_depth is not None:
            mask = mask & (target <= max_depth)
        return mask
