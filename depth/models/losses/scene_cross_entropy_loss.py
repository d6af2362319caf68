import torch
import torch.nn.functional as F
from torch import Tensor

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss


@MODELS.register_module()
class SceneCrossEntropyLoss(BaseDepthLoss):
    """Cross-entropy of image-level scene-class logits (BinsFormer's
    scene-understanding query)::

        loss = loss_weight * mean_i -log softmax(logits_i)[label_i]

    Args:
        loss_weight (float): Weight. Defaults to 1e-2 (BinsFormer).
        loss_name (str): Key in the loss dict; must start with ``loss_``.
            Defaults to ``'loss_ce'``.
    """

    def __init__(self,
                 loss_weight: float = 1e-2,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight

    def forward(self, logits: Tensor, labels: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            logits (Tensor): ``(N, num_classes)``.
            labels (Tensor): ``(N,)`` int64 class indices.

        Returns:
            Tensor: Scalar.
        """
        if logits.dim() != 2 or labels.shape != logits.shape[:1]:
            raise ValueError('SceneCrossEntropyLoss: expects logits (N, C) '
                             f'and labels (N,), got {tuple(logits.shape)} '
                             f'and {tuple(labels.shape)}')
        if labels.numel() and (labels.min() < 0
                               or labels.max() >= logits.shape[1]):
            raise ValueError(
                f'SceneCrossEntropyLoss: labels {labels.tolist()} outside '
                f'[0, {logits.shape[1]}) (num_classes of the head)')
        return self.loss_weight * F.cross_entropy(logits.float(),
                                                  labels.to(torch.long))
