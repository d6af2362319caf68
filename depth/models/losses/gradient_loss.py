"""LacDepth's multi-scale gradient loss on log depth."""
from typing import Optional

import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub
from torch import Tensor

from depth.registry import MODELS
from ..utils import resize
from .base_depth_loss import BaseDepthLoss


def fill_sparse_depth(depth: Tensor, mask: Tensor) -> Tensor:
    """Fill the holes of a sparse depth map by push-pull interpolation.

    Pull: build a pyramid of masked 2x2 averages (each coarse pixel is the
    mean of the valid pixels under it) until the coarsest level is one
    pixel. Push: from coarse to fine, every pixel without a value takes the
    bilinear upsampling of the coarser level. Valid pixels keep their value.
    Vectorised, ``O(log(max(H, W)))`` steps, no gradient.

    Args:
        depth (Tensor): ``(N, 1, H, W)``.
        mask (Tensor): ``(N, 1, H, W)`` bool, True where ``depth`` is valid.

    Returns:
        Tensor: ``(N, 1, H, W)``, equal to ``depth`` on ``mask``; images
        without any valid pixel come back as zeros.
    """
    with torch.no_grad():
        values = [depth * mask]
        weights = [mask.to(depth.dtype)]
        while max(values[-1].shape[-2:]) > 1:
            v = F.avg_pool2d(values[-1], 2, ceil_mode=True)
            w = F.avg_pool2d(weights[-1], 2, ceil_mode=True)
            values.append(v)
            weights.append(w)
        # coarsest level: the masked mean of the whole image (0 if none)
        filled = values[-1] / weights[-1].clamp_min(1e-12)
        for v, w in zip(reversed(values[:-1]), reversed(weights[:-1])):
            up = resize(filled, v.shape[-2:])
            filled = torch.where(w > 0, v / w.clamp_min(1e-12), up)
        return torch.where(mask, depth, filled)


@MODELS.register_module()
class GradientLoss(BaseDepthLoss):
    """Gradient loss of LacDepth (Eq. (9), LapDepth's gradient loss)::

        loss = loss_weight / n * sum_{i in V} |pred_x,i - m(gt)_x,i|
                                            + |pred_y,i - m(gt)_y,i|

    ``_x``/``_y`` are forward differences along the width and the height,
    ``V`` the valid ground-truth pixels (``gt > 0``) that have a right and a
    lower neighbour, ``n = |V|`` over the batch. ``m`` densifies the sparse
    ground truth so that its gradients exist: the paper uses the
    colourisation in-painting of the NYU toolbox, done offline; here, with
    ``interpolate=True``, an on-the-fly push-pull in-fill
    (:func:`fill_sparse_depth`) replaces it. For a dense ground truth
    (NYU) ``m`` changes nothing on valid pixels. With ``interpolate=False``
    only gradients between two valid pixels are used.

    Eq. (7) switches the loss on after a number of training iterations:
    it is zero (attached to the graph) while the current iteration, read
    from ``MessageHub.get_current_instance().get_info('iter', 0)`` (set by
    the runner before every iteration and restored on resume) is below
    ``start_iter``. The paper's balance factor ``v = 0.1`` is
    ``loss_weight``.

    Args:
        loss_weight (float): ``v``. Defaults to 0.1.
        start_iter (int): First training iteration (0-based) that uses the
            loss. Defaults to 30 (the paper's Eq. (7)).
        interpolate (bool): Densify the ground truth first. Defaults to True.
        max_depth (float, optional): Also treat ``gt > max_depth`` as
            invalid.
        loss_name (str): Key in the loss dict. Defaults to 'loss_grad'.
    """

    def __init__(self,
                 loss_weight: float = 0.1,
                 start_iter: int = 30,
                 interpolate: bool = True,
                 max_depth: Optional[float] = None,
                 loss_name: str = 'loss_grad') -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight
        self.start_iter = start_iter
        self.interpolate = interpolate
        self.max_depth = max_depth

    def is_active(self) -> bool:
        """Whether the current training iteration uses the loss."""
        cur_iter = MessageHub.get_current_instance().get_info('iter', 0)
        return cur_iter >= self.start_iter

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        """Args:
            pred (Tensor): Predicted depth in metres, ``(N, 1, H, W)``.
            target (Tensor): Ground truth, same shape, 0 where invalid.

        Returns:
            Tensor: Scalar loss.
        """
        if pred.shape != target.shape:
            raise ValueError(f'GradientLoss: pred shape {tuple(pred.shape)} '
                             f'!= target shape {tuple(target.shape)}')
        if not self.is_active() or min(pred.shape[-2:]) < 2:
            return self.zero(pred)
        with self.full_precision(pred):
            pred = pred.float()
            target = target.float()
            mask = self.valid_depth(target, self.max_depth)
            if self.interpolate:
                gt = fill_sparse_depth(target, mask)
                valid = mask[..., :-1, :-1]
            else:
                gt = target
                valid = (
                    mask[..., :-1, :-1] & mask[..., :-1, 1:]
                    & mask[..., 1:, :-1])
            if not valid.any():
                return self.zero(pred)
            pred_dx = pred[..., :-1, 1:] - pred[..., :-1, :-1]
            pred_dy = pred[..., 1:, :-1] - pred[..., :-1, :-1]
            gt_dx = gt[..., :-1, 1:] - gt[..., :-1, :-1]
            gt_dy = gt[..., 1:, :-1] - gt[..., :-1, :-1]
            err = (pred_dx - gt_dx).abs() + (pred_dy - gt_dy).abs()
            return self.loss_weight * err[valid].mean()
