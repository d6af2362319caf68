"""The bin-centre chamfer loss of AdaBins (Eq. (4))."""
import logging

import torch
from mmengine.logging import print_log
from torch import Tensor

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss


@MODELS.register_module()
class BinsChamferLoss(BaseDepthLoss):
    """Symmetric 1-D chamfer distance between bin centres and ground-truth
    depths, the bin-centre regulariser of AdaBins (Bhat et al., CVPR 2021).

    For image ``i`` with bin centres ``c`` (K values) and valid ground-truth
    depths ``t`` (the ``T_i`` pixels with ``gt >= min_depth``)::

        d_i = mean_k min_j (c_k - t_j)^2  +  mean_j min_k (t_j - c_k)^2
        loss = loss_weight * mean_i d_i

    This equals ``pytorch3d.loss.chamfer_distance`` with its defaults
    (``point_reduction='mean'``, ``batch_reduction='mean'``, squared L2) on
    ``x = c[..., None]`` and ``y = t[..., None]`` with ``y_lengths = T``, as
    used by the original AdaBins code, without the pytorch3d dependency.

    Computation: in 1-D the nearest neighbour of a value in a sorted set is
    one of the two entries around its insertion point, so both directions
    use ``torch.searchsorted``: centres into the sorted valid depths
    (``O(K log T)``) and depths into the sorted centres (``O(T log K)``),
    after one ``O(P log P)`` sort of each depth map (``P = H * W``). Memory
    is ``O(N * P)``, never ``O(N * K * T)``. Variable valid counts are
    handled by padding with ``+inf`` (which sorts last) and masking.

    Images without any valid pixel are left out and the batch mean is taken
    over the other images (pytorch3d is undefined there); a warning says how
    many were left out. If no image has a valid pixel the loss is a zero
    still attached to the graph. Computed in float32 even under AMP.

    Args:
        loss_weight (float): Weight of the loss. Defaults to 0.1 (AdaBins'
            ``w_chamfer``).
        min_depth (float): Ground-truth values ``>= min_depth`` are valid
            points. Defaults to 1e-3 (as the original).
        loss_name (str): Key in the loss dict; must start with ``loss_``.
            Defaults to 'loss_chamfer'.
    """

    def __init__(self,
                 loss_weight: float = 0.1,
                 min_depth: float = 1e-3,
                 loss_name: str = 'loss_chamfer') -> None:
        super().__init__(loss_name)
        self.loss_weight = loss_weight
        self.min_depth = min_depth

    def forward(self, bin_centers: Tensor, gt: Tensor) -> Tensor:
        """Compute the loss.

        Args:
            bin_centers (Tensor): ``(N, K)`` bin centres in metres, one set
                per image (need not be sorted).
            gt (Tensor): Ground truth ``(N, 1, H, W)`` or ``(N, H, W)`` in
                metres, invalid pixels ``< min_depth`` (0 by convention).

        Returns:
            Tensor: Scalar loss.
        """
        if bin_centers.dim() != 2:
            raise ValueError('BinsChamferLoss: bin_centers must be (N, K), '
                             f'got shape {tuple(bin_centers.shape)}')
        if gt.shape[0] != bin_centers.shape[0]:
            raise ValueError(
                f'BinsChamferLoss: batch size of bin_centers '
                f'({bin_centers.shape[0]}) != that of gt ({gt.shape[0]})')
        with self.full_precision(bin_centers):
            centers = bin_centers.float()
            target = gt.float().flatten(1)  # N, P
            valid = (target >= self.min_depth) & torch.isfinite(target)
            counts = valid.sum(dim=1)  # N
            has_points = counts > 0
            num_empty = int((~has_points).sum())
            if num_empty:
                print_log(
                    f'BinsChamferLoss: {num_empty} of {len(counts)} images '
                    f'have no ground-truth depth >= {self.min_depth}; they '
                    'are left out of the chamfer loss.',
                    logger='current',
                    level=logging.WARNING)
                if num_empty == len(counts):
                    return self.zero(bin_centers)
                centers = centers[has_points]
                target = target[has_points]
                valid = valid[has_points]
                counts = counts[has_points]
            per_image = self._chamfer(centers, target, valid, counts)
            return self.loss_weight * per_image.mean()

    @staticmethod
    def _chamfer(centers: Tensor, target: Tensor, valid: Tensor,
                 counts: Tensor) -> Tensor:
        """Per-image symmetric chamfer distance ``(N,)``; every image has at
        least one valid point."""
        max_count = int(counts.max())
        # Valid depths first in ascending order, +inf padding after them.
        points = torch.where(valid, target,
                             torch.full_like(target, float('inf')))
        points = torch.sort(points, dim=1).values[:, :max_count].contiguous()
        point_mask = torch.arange(
            max_count, device=points.device)[None] < counts[:, None]
        last = (counts - 1)[:, None]

        # Centres -> nearest valid depth.
        idx = torch.searchsorted(points, centers.detach().contiguous())
        hi = torch.minimum(idx, last)
        lo = (idx - 1).clamp(min=0)
        dist_c = torch.minimum((centers - points.gather(1, lo)).pow(2),
                               (centers - points.gather(1, hi)).pow(2))
        cham_c = dist_c.mean(dim=1)

        # Valid depths -> nearest centre. Padded slots get a finite stand-in
        # so no inf enters the graph (0 * inf gradients would be NaN).
        sorted_centers = torch.sort(centers, dim=1).values
        safe_points = torch.where(
            point_mask, points,
            sorted_centers[:, :1].detach().expand_as(points))
        num_bins = sorted_centers.shape[1]
        idx = torch.searchsorted(sorted_centers.detach().contiguous(),
                                 safe_points.contiguous())
        hi = idx.clamp(max=num_bins - 1)
        lo = (idx - 1).clamp(min=0)
        dist_p = torch.minimum(
            (safe_points - sorted_centers.gather(1, lo)).pow(2),
            (safe_points - sorted_centers.gather(1, hi)).pow(2))
        dist_p = torch.where(point_mask, dist_p, torch.zeros_like(dist_p))
        cham_p = dist_p.sum(dim=1) / counts.to(dist_p.dtype)
        return cham_c + cham_p
