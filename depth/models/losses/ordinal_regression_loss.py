"""Ordinal regression loss over depth intervals (DORN / ACAN)."""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss


def interval_pixels(name: str, logits: Tensor, target: Tensor,
                    valid_mask: Optional[Tensor],
                    logits_per_interval: int) -> Tuple[Tensor, Tensor, int]:
    """The logits and labels of the valid pixels, checked.

    Args:
        name (str): The loss, for the messages.
        logits (Tensor): ``(N, C, H, W)``, ``C = K * logits_per_interval``.
        target (Tensor): ``(N, H, W)`` integer interval labels.
        valid_mask (Tensor, optional): ``(N, H, W)`` bool; None is all.
        logits_per_interval (int): Logit channels per interval.

    Returns:
        tuple: ``(y, labels, K)``: ``y`` ``(P, C)`` float32 logits of the
        ``P`` valid pixels, ``labels`` ``(P,)`` int64 in ``[0, K - 1]``
        (checked), and the number of intervals ``K``.
    """
    if logits.dim() != 4:
        raise ValueError(f'{name}: logits must be (N, C, H, W), got '
                         f'{tuple(logits.shape)}')
    n, c, h, w = logits.shape
    if c % logits_per_interval:
        raise ValueError(f'{name}: {c} logit channels is not a multiple of '
                         f'{logits_per_interval} (logits per interval)')
    if tuple(target.shape) != (n, h, w):
        raise ValueError(f'{name}: target labels must be (N, H, W) = '
                         f'{(n, h, w)}, got {tuple(target.shape)}')
    if target.is_floating_point():
        raise TypeError(f'{name}: target must hold integer interval labels, '
                        f'got {target.dtype}')
    if valid_mask is not None and tuple(valid_mask.shape) != (n, h, w):
        raise ValueError(f'{name}: valid_mask must be (N, H, W) = '
                         f'{(n, h, w)}, got {tuple(valid_mask.shape)}')
    k = c // logits_per_interval
    flat = logits.float().permute(0, 2, 3, 1)  # (N, H, W, C)
    if valid_mask is None:
        valid_mask = torch.ones_like(target, dtype=torch.bool)
    y = flat[valid_mask]  # (P, C)
    labels = target[valid_mask].long()  # (P,)
    if labels.numel() and (labels.min() < 0 or labels.max() >= k):
        raise ValueError(f'{name}: labels must lie in [0, {k - 1}] at valid '
                         f'pixels, got [{int(labels.min())}, '
                         f'{int(labels.max())}]')
    return y, labels, k


@MODELS.register_module()
class OrdinalRegressionLoss(BaseDepthLoss):
    """Ordinal regression loss, Eq. (10)-(11) of ACAN (DORN's loss).

    The network predicts ``2K`` logits per pixel. Pair ``k`` (channels
    ``2k`` and ``2k+1``) gives the probability that the pixel's interval
    label exceeds ``k``::

        P_k = exp(y_{2k+1}) / (exp(y_{2k}) + exp(y_{2k+1}))
            = sigmoid(y_{2k+1} - y_{2k})

    and for a pixel with label ``l*`` in ``{0, ..., K-1}``::

        theta = -( sum_{k < l*} ln P_k + sum_{k >= l*} ln(1 - P_k) )

    (Eq. (10) prints ``(1 - ln P_k)``; the loss of DORN and of ACAN's code
    is ``ln(1 - P_k)``.) The loss is ``loss_weight`` times the mean of
    ``theta`` over the valid pixels of the whole batch (pooled). Invalid
    pixels are gathered out before any arithmetic, so their logits never
    enter the value or the gradient. Log-probabilities use ``logsigmoid``
    (no ``log(0)``). Computed in float32 even under AMP; a zero attached to
    the graph when no pixel is valid.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Key in the loss dict; must start with ``loss_``.
            Defaults to 'loss_ord'.
    """

    #: Marks losses computed on interval logits and labels (the ordinal
    #: head calls them with ``(logits, labels, valid_mask)``).
    interval_loss = True
    #: Logits per depth interval: 2 (pairwise softmax).
    logits_per_interval = 2

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ord') -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight

    def forward(self,
                logits: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): ``(N, 2K, H, W)`` ordinal logits.
            target (Tensor): ``(N, H, W)`` integer labels in
                ``[0, K - 1]`` (checked at valid pixels).
            valid_mask (Tensor, optional): ``(N, H, W)`` bool; pixels that
                enter the loss. Defaults to all.

        Returns:
            Tensor: Scalar loss.
        """
        with self.full_precision(logits):
            y, labels, k = interval_pixels('OrdinalRegressionLoss', logits,
                                           target, valid_mask,
                                           self.logits_per_interval)
            if y.shape[0] == 0:
                return self.zero(logits)
            y = y.view(-1, k, 2)
            z = y[..., 1] - y[..., 0]  # log-odds of P_k, (P, K)
            ks = torch.arange(k, device=z.device)
            negative = ks[None, :] >= labels[:, None]  # k >= l*
            # ln P_k = logsigmoid(z), ln(1 - P_k) = logsigmoid(z) - z
            theta = -(F.logsigmoid(z) - z * negative).sum(dim=1)
            return self.loss_weight * theta.mean()
