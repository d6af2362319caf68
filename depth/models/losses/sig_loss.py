"""The scale-invariant logarithmic loss (SigLoss) and its options."""
from typing import Optional

import torch
from mmengine.logging import MessageHub

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss


@MODELS.register_module()
class SigLoss(BaseDepthLoss):
    """Scale-invariant logarithmic loss (Eigen et al.), as in the original
    Monocular-Depth-Estimation-Toolbox.

    With ``g = log(pred + eps) - log(gt + eps)`` over the valid pixels of the
    whole batch (pooled, not per image)::

        loss = loss_weight * sqrt(Var(g) + (1 - lambd) * mean(g) ** 2)

    ``Var`` is the unbiased variance (``unbiased=False``: the population
    variance, which makes the loss ``sqrt(mean(g ** 2) - lambd * mean(g) **
    2)``, Depth Anything V2's ``SiLogLoss`` with ``lambd=0.5, eps=0``).
    During the first ``warm_iter`` training
    iterations (when ``warm_up`` is set) only the scale term
    ``sqrt((1 - lambd) * mean(g) ** 2)`` is used. The iteration is read from
    mmengine's ``MessageHub`` (``'iter'``, updated by the runner), so the
    warm-up survives a resume. The loss is computed in float32 even under
    AMP, and is a finite zero still attached to the graph when no pixel is
    valid.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        lambd (float): Variance focus. Defaults to 0.85.
        eps (float): Added inside both logarithms. Defaults to 1e-3.
        valid_mask (bool): Only use pixels with ``gt > 0``. Defaults to True.
        max_depth (float, optional): Also drop pixels with ``gt > max_depth``.
        warm_up (bool): Use the scale term alone at first. Defaults to False.
        warm_iter (int): Length of the warm-up in training iterations.
            Defaults to 100.
        loss_name (str): Key of the loss in the loss dict; must start with
            ``loss_``. Defaults to 'loss_sig'.
        unbiased (bool): Unbiased (``n - 1``) variance. Defaults to True
            (the original toolbox).
        per_image (bool): Evaluate the loss on each depth map and average
            over the maps (with at least 2 valid pixels, 1 when not
            ``unbiased``) instead of pooling the batch's pixels. Defaults to
            False.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 lambd: float = 0.85,
                 eps: float = 1e-3,
                 valid_mask: bool = True,
                 max_depth: Optional[float] = None,
                 warm_up: bool = False,
                 warm_iter: int = 100,
                 loss_name: str = 'loss_sig',
                 unbiased: bool = True,
                 per_image: bool = False) -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight
        self.lambd = lambd
        self.eps = eps
        self.valid_mask = valid_mask
        self.max_depth = max_depth
        self.warm_up = warm_up
        self.warm_iter = warm_iter
        self.unbiased = unbiased
        self.per_image = per_image

    def in_warm_up(self) -> bool:
        """Whether the current training iteration is inside the warm-up."""
        if not self.warm_up:
            return False
        cur_iter = MessageHub.get_current_instance().get_info('iter', 0)
        return cur_iter < self.warm_iter

    def forward(self, pred: torch.Tensor,
                target: torch.Tensor) -> torch.Tensor:
        """Compute the loss.

        Args:
            pred (Tensor): Predicted depth in metres, ``(N, 1, H, W)``.
            target (Tensor): Ground truth in metres, same shape, 0 where
                invalid.

        Returns:
            Tensor: Scalar loss.
        """
        if pred.shape != target.shape:
            raise ValueError(f'SigLoss: pred shape {tuple(pred.shape)} != '
                             f'target shape {tuple(target.shape)}')
        with self.full_precision(pred):
            pred = pred.float()
            target = target.float()
            if self.per_image:
                return self._per_image(pred, target)
            if self.valid_mask:
                mask = self.valid_depth(target, self.max_depth)
                pred_v, target_v = pred[mask], target[mask]
            else:
                pred_v, target_v = pred.flatten(), target.flatten()
            if pred_v.numel() < self._min_pixels:
                # No variance can be formed; keep the graph for DDP.
                return self.zero(pred)
            g = torch.log(pred_v + self.eps) - torch.log(target_v + self.eps)
            mean_sq = (1 - self.lambd) * g.mean().pow(2)
            if self.in_warm_up():
                dg = mean_sq
            else:
                dg = torch.var(g, unbiased=self.unbiased) + mean_sq
            # sqrt has an infinite gradient at 0: guard with a tiny floor.
            return self.loss_weight * torch.sqrt(dg.clamp_min(1e-12))

    @property
    def _min_pixels(self) -> int:
        """Fewest valid pixels that give a variance."""
        return 2 if self.unbiased else 1

    def _per_image(self, pred: torch.Tensor,
                   target: torch.Tensor) -> torch.Tensor:
        """The loss of each depth map, averaged over the maps with enough
        valid pixels (vectorised over the batch)."""
        if self.valid_mask:
            mask = self.valid_depth(target, self.max_depth).flatten(1)
        else:
            mask = torch.ones_like(target, dtype=torch.bool).flatten(1)
        # log of masked-out pixels is never used: fill them with 1.
        g = torch.log(torch.where(mask, pred.flatten(1), 1.0) + self.eps) - \
            torch.log(torch.where(mask, target.flatten(1), 1.0) + self.eps)
        g = torch.where(mask, g, 0.0)
        n = mask.sum(dim=1)
        keep = n >= self._min_pixels
        if not keep.any():
            return self.zero(pred)
        g, n = g[keep], n[keep].to(g.dtype)
        mean = g.sum(dim=1) / n
        var = g.pow(2).sum(dim=1) / n - mean.pow(2)
        if self.unbiased:
            var = var * n / (n - 1)
        dg = (1 - self.lambd) * mean.pow(2)
        if not self.in_warm_up():
            dg = dg + var
        return self.loss_weight * torch.sqrt(dg.clamp_min(1e-12)).mean()
