"""Cross-entropy over depth intervals (ACAN Table III's "CE" rows)."""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss
from .ordinal_regression_loss import interval_pixels


@MODELS.register_module()
class IntervalCrossEntropyLoss(BaseDepthLoss):
    """Softmax cross-entropy over ``K`` depth intervals.

    The classification baseline of ACAN's Table III ("CE(hard)",
    "CE(soft)"): ``K`` logits per pixel, a softmax over them, and the
    negative log-likelihood of the ground-truth interval label, averaged
    over the valid pixels of the whole batch (pooled). Invalid pixels are
    gathered out first and never enter the value or the gradient. Float32
    even under AMP; a zero attached to the graph when nothing is valid.

    With ``complement_terms=True`` (the official ACAN code's
    ``CrossEntropy2d``, label smoothing off) every other interval adds a
    binary term: per pixel with label ``l`` and ``p = softmax(logits)``::

        theta = -ln p_l - sum_{k != l} ln(1 - p_k)

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Key in the loss dict; must start with ``loss_``.
            Defaults to 'loss_ce'.
        complement_terms (bool): Add ``-sum_{k != l} ln(1 - p_k)``.
            Defaults to False (plain softmax cross-entropy).
    """

    interval_loss = True
    #: Logits per depth interval: 1 (one softmax over the K intervals).
    logits_per_interval = 1

    def __init__(self,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce',
                 complement_terms: bool = False) -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight
        self.complement_terms = bool(complement_terms)

    def forward(self,
                logits: Tensor,
                target: Tensor,
                valid_mask: Optional[Tensor] = None) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): ``(N, K, H, W)``.
            target (Tensor): ``(N, H, W)`` integer labels in ``[0, K-1]``.
            valid_mask (Tensor, optional): ``(N, H, W)`` bool. Defaults to
                all pixels.

        Returns:
            Tensor: Scalar loss.
        """
        with self.full_precision(logits):
            y, labels, k = interval_pixels('IntervalCrossEntropyLoss', logits,
                                           target, valid_mask,
                                           self.logits_per_interval)
            if y.shape[0] == 0:
                return self.zero(logits)
            if not self.complement_terms:
                return self.loss_weight * F.cross_entropy(y, labels)
            log_p = F.log_softmax(y, dim=1)  # (P, K)
            # ln(1 - p_k) = ln(-expm1(ln p_k)), accurate for p_k near 0 and
            # 1; the clamp keeps it finite where p_k rounds to 1.
            log_1mp = torch.log(
                (-torch.expm1(log_p)).clamp_min(torch.finfo(log_p.dtype).tiny))
            positive = F.one_hot(labels, k).bool()
            theta = -torch.where(positive, log_p, log_1mp).sum(dim=1)
            return self.loss_weight * theta.mean()
