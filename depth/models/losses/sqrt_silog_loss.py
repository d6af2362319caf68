"""The square-rooted scale-invariant log loss of LacDepth / ZoeDepth."""
from typing import Optional

import torch
import torch.nn as nn

from depth.registry import MODELS


@MODELS.register_module()
class SqrtSILogLoss(nn.Module):
    """Square-root scale-invariant log loss, LacDepth Eq. (8) (LapDepth's
    data loss)::

        h_i  = log(pred_i + eps) - log(gt_i + eps)      over valid pixels
        loss = loss_weight * sqrt(mean(h ** 2) - lambd * mean(h) ** 2)

    How it differs from :class:`SigLoss`: algebraically
    ``mean(h**2) - lambd * mean(h)**2 = Var_biased(h) + (1 - lambd) *
    mean(h)**2``, so it is SigLoss with the *biased* variance (SigLoss, as
    the original toolbox, uses ``torch.var``, unbiased) and with no ``eps``
    inside the logarithms (the paper writes ``ln y - ln y*``; SigLoss adds
    1e-3). The ``x10`` is not inside the loss: it is the paper's balance
    factor ``u = 10`` of Eq. (7), i.e. ``loss_weight``. By default the
    pixels of the whole batch are pooled (``n`` = number of valid pixels,
    as in LapDepth's code); ``per_image=True`` evaluates Eq. (8) on each
    depth map and averages over the images that have valid pixels.

    Computed in float32 even under AMP; a zero still attached to the graph
    when nothing is valid.

    Args:
        loss_weight (float): ``u``. Defaults to 10.0.
        lambd (float): ``lambda``. Defaults to 0.85.
        eps (float): Added inside both logarithms. Defaults to 0 (the
            paper); the prediction must then be positive on valid pixels
            (the attractor head's is at least ``min_depth``).
        per_image (bool): Per image instead of pooled. Defaults to False.
        max_depth (float, optional): Also drop pixels with ``gt > max_depth``.
        loss_name (str): Key in the loss dict. Defaults to 'loss_silog'.
    """

    def __init__(self,
                 loss_weight: float = 10.0,
                 lambd: float = 0.85,
                 eps: float = 0.0,
                 per_image: bool = False,
                 max_depth: Optional[float] = None,
                 loss_name: str = 'loss_silog') -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError("SqrtSILogLoss: loss_name must start with "
                             f"'loss_', got {loss_name!r}")
        if not 0 <= lambd <= 1:
            raise ValueError(f'SqrtSILogLoss: lambd must be in [0, 1], got '
                             f'{lambd}')
        self.loss_weight = loss_weight
        self.lambd = lambd
        self.eps = eps
        self.per_image = per_image
        self.max_depth = max_depth
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        return self._loss_name

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Args:
            pred (Tensor): Predicted depth in metres, ``(N, 1, H, W)``.
            target (Tensor): Ground truth, same shape, 0 where invalid.

        Returns:
            Tensor: Scalar loss.
        """
        if pred.shape != target.shape:
            raise ValueError(f'SqrtSILogLoss: pred shape {tuple(pred.shape)} '
                             f'!= target shape {tuple(target.shape)}')
        with torch.autocast(device_type=pred.device.type, enabled=False):
            pred = pred.float()
            target = target.float()
            mask = target > 0
            if self.max_depth is not None:
                mask = mask & (target <= self.max_depth)
            if not mask.any():
                return pred.sum() * 0.0
            # log of masked-out pixels is never used: fill them with 1.
            h = torch.where(
                mask,
                torch.log(torch.where(mask, pred, 1.0) + self.eps) -
                torch.log(torch.where(mask, target, 1.0) + self.eps),
                0.0).flatten(1)
            mask = mask.flatten(1).float()
            if self.per_image:
                n = mask.sum(dim=1)
                keep = n > 0
                n = n[keep]
                mean = h[keep].sum(dim=1) / n
                mean_sq = h[keep].pow(2).sum(dim=1) / n
                d = mean_sq - self.lambd * mean.pow(2)
                loss = torch.sqrt(d.clamp_min(1e-12)).mean()
            else:
                n = mask.sum()
                mean = h.sum() / n
                mean_sq = h.pow(2).sum() / n
                d = mean_sq - self.lambd * mean.pow(2)
                # sqrt has an infinite gradient at 0: guard with a floor.
                loss = torch.sqrt(d.clamp_min(1e-12))
            return self.loss_weight * loss
