"""ACAN's attention loss: KL divergence to a depth-affinity target."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from depth.registry import MODELS
from .base_depth_loss import BaseDepthLoss


def downsample_log_depth(
        depth: Tensor,
        size: Sequence[int],
        min_valid_fraction: float = 0.0) -> Tuple[Tensor, Tensor]:
    """Masked average of ``ln(depth)`` over the cells of a coarser grid.

    Each output cell averages the log depth of the VALID pixels (``> 0``)
    that fall in it (``adaptive_avg_pool2d`` cells, so any input size
    works); invalid pixels never contribute. A cell is valid when more than
    ``min_valid_fraction`` of its pixels are valid (default: at least one).
    Unlike nearest-neighbour sampling, which on sparse LiDAR maps misses
    most valid points (and would pick a padded 0 as often as not), this
    uses every valid point and marks as invalid only cells with no data.

    Args:
        depth (Tensor): ``(N, 1, H, W)`` metres, 0 where invalid.
        size (tuple[int, int]): Output ``(h, w)``.
        min_valid_fraction (float): Fraction of valid pixels a cell needs
            to exceed. Defaults to 0.

    Returns:
        tuple[Tensor, Tensor]: Log depth ``(N, h*w)`` (0 at invalid cells)
        and the cell validity ``(N, h*w)`` bool.
    """
    valid = (depth > 0).float()
    log_d = torch.log(depth.clamp_min(1e-12)) * valid
    size = tuple(int(s) for s in size)
    num = F.adaptive_avg_pool2d(log_d, size)
    frac = F.adaptive_avg_pool2d(valid, size)
    cell_valid = frac > min_valid_fraction
    cell_log = torch.where(cell_valid, num / frac.clamp_min(1e-12),
                           torch.zeros_like(num))
    return cell_log.flatten(1), cell_valid.flatten(1)


@MODELS.register_module()
class AttentionKLLoss(BaseDepthLoss):
    """Attention loss of ACAN, Eq. (6)-(7).

    The predicted attention map ``W`` ``(N, L, L)`` (``L = h*w`` tokens,
    rows summing to 1) is compared with the ground-truth affinity of
    Eq. (7)::

        w*_ij = exp(ln d_max - |ln d_i - ln d_j|)
                / sum_j' exp(ln d_max - |ln d_i - ln d_j'|)
              = softmax_j(-|ln d_i - ln d_j|)

    (``ln d_max`` is the same constant in every term of a row, so it
    cancels: the target does not depend on ``d_max``.) The loss is the KL
    divergence ``KL(w*_i || w_i)`` averaged over rows ``i``, Eq. (6), times
    ``loss_weight``.

    Ground truth at the attention's resolution: the depth map is reduced
    to the ``h x w`` grid by :func:`downsample_log_depth` (masked average
    of the log depth of the valid pixels of each cell; a cell without any
    valid pixel is invalid).

    Missing ground truth: only valid cells are rows ``i`` (averaged over
    all valid rows of the batch, pooled) and only valid cells are columns
    ``j`` of the target (the softmax of Eq. (7) runs over valid ``j``).
    With ``renormalize=True`` (default) the predicted row is renormalised
    over the valid columns too, so the loss compares the two distributions
    on the pixels where the affinity is known and says nothing about how
    much attention goes to pixels without ground truth (sky, missing LiDAR,
    padding). With ``renormalize=False`` the raw predicted row is used: the
    mass on invalid columns then counts as error, which teaches the model
    to avoid pixels the sensor missed. Either way predictions at invalid
    rows, and (with ``renormalize``) the relative weights at invalid
    columns, never change the loss.

    Memory: the target and its intermediates are ``N x R x L`` float32
    tensors (``R`` rows used, ``L`` tokens); forward + backward peak at
    about 8.5 of them (measured, CPU). At the paper's sizes, batch 8:
    KITTI 160x512 (L = R = 1280, 50 MB per tensor) 0.43 GB, NYU 256x352
    (L = R = 1408, 60 MB per tensor) 0.51 GB, on top of the attention map
    itself. It grows as ``L^2`` (KITTI 352x704 crops: L = 3872, ~4 GB at
    batch 8); ``max_rows`` then uses a random subset of at most
    ``max_rows`` valid rows per image, an unbiased estimate of the same
    mean at about ``R / L`` of the cost (NYU, ``max_rows=512``: 0.28 GB).

    Args:
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        max_rows (int, optional): Rows sampled per image (uniformly among
            its valid cells) when an image has more valid cells than this.
            None uses every row. Defaults to None.
        min_valid_fraction (float): Validity threshold of a cell in the
            downsampling. Defaults to 0 (any valid pixel).
        renormalize (bool): Renormalise predicted rows over valid columns.
            Defaults to True.
        eps (float): Floor of predicted probabilities before the log.
            Defaults to 1e-12.
        loss_name (str): Key in the loss dict; must start with ``loss_``.
            Defaults to 'loss_att'.
    """

    def __init__(self,
                 loss_weight: float = 1.0,
                 max_rows: Optional[int] = None,
                 min_valid_fraction: float = 0.0,
                 renormalize: bool = True,
                 eps: float = 1e-12,
                 loss_name: str = 'loss_att') -> None:
        super().__init__(loss_name)
        if max_rows is not None and int(max_rows) <= 0:
            raise ValueError(f'AttentionKLLoss: max_rows must be positive or '
                             f'None, got {max_rows}')
        if not 0.0 <= min_valid_fraction < 1.0:
            raise ValueError('AttentionKLLoss: min_valid_fraction must be in '
                             f'[0, 1), got {min_valid_fraction}')
        self.loss_weight = loss_weight
        self.max_rows = None if max_rows is None else int(max_rows)
        self.min_valid_fraction = min_valid_fraction
        self.renormalize = renormalize
        self.eps = eps

    @staticmethod
    def target_log_affinity(row_log_depth: Tensor, col_log_depth: Tensor,
                            col_valid: Tensor) -> Tensor:
        """Log of the target distribution of Eq. (7).

        Args:
            row_log_depth (Tensor): ``(N, R)`` log depth of the rows.
            col_log_depth (Tensor): ``(N, L)`` log depth of the columns.
            col_valid (Tensor): ``(N, L)`` bool.

        Returns:
            Tensor: ``(N, R, L)`` log-probabilities, ``-inf`` at invalid
            columns (rows with no valid column are all ``-inf``).
        """
        logits = -(row_log_depth[:, :, None] - col_log_depth[:, None, :]).abs()
        logits = logits.masked_fill(~col_valid[:, None, :], float('-inf'))
        return torch.log_softmax(logits, dim=-1)

    def _select_rows(self, valid: Tensor) -> Tuple[Tensor, Tensor]:
        """Row indices ``(N, R)`` and their validity ``(N, R)``."""
        n, length = valid.shape
        if self.max_rows is None or self.max_rows >= length:
            idx = torch.arange(length, device=valid.device).expand(n, -1)
            return idx, valid
        # Random scores, invalid rows last: the top max_rows are a uniform
        # sample of the valid rows (all of them when there are fewer).
        scores = torch.rand(valid.shape, device=valid.device)
        scores = scores.masked_fill(~valid, -1.0)
        top, idx = scores.topk(self.max_rows, dim=1)
        return idx, top >= 0

    def forward(self, attention: Tensor, target: Tensor,
                attn_shape: Sequence[int]) -> Tensor:
        """Compute the loss.

        Args:
            attention (Tensor): ``(N, L, L)`` predicted attention, rows
                summing to 1, tokens in row-major order of the grid.
            target (Tensor): ``(N, 1, H, W)`` ground-truth depth in metres,
                0 where invalid.
            attn_shape (tuple[int, int]): The attention grid ``(h, w)``,
                ``h * w = L``.

        Returns:
            Tensor: Scalar loss.
        """
        if attention.dim() != 3 or attention.shape[1] != attention.shape[2]:
            raise ValueError('AttentionKLLoss: attention must be (N, L, L), '
                             f'got {tuple(attention.shape)}')
        h, w = (int(s) for s in attn_shape)
        n, length = attention.shape[:2]
        if h * w != length:
            raise ValueError(f'AttentionKLLoss: attn_shape {(h, w)} has '
                             f'{h * w} cells but the attention has {length} '
                             'tokens')
        if target.dim() != 4 or target.shape[0] != n or target.shape[1] != 1:
            raise ValueError('AttentionKLLoss: target must be (N, 1, H, W) '
                             f'with N = {n}, got {tuple(target.shape)}')
        with self.full_precision(attention):
            attention = attention.float()
            log_d, valid = downsample_log_depth(target.float(), (h, w),
                                                self.min_valid_fraction)
            rows, row_valid = self._select_rows(valid)
            if not bool(row_valid.any()):
                return self.zero(attention)
            row_log_d = log_d.gather(1, rows)
            log_w_star = self.target_log_affinity(row_log_d, log_d, valid)
            pred = attention.gather(1, rows[:, :,
                                            None].expand(-1, -1,
                                                         length))  # (N, R, L)
            log_w = torch.log(pred.clamp_min(self.eps))
            col_valid = valid[:, None, :]  # (N, 1, L)
            if self.renormalize:
                # An image without any valid cell keeps its full row (its
                # rows are excluded below; this only avoids -inf - -inf).
                lse_cols = col_valid | ~valid.any(dim=1)[:, None, None]
                log_w = log_w - torch.logsumexp(
                    log_w.masked_fill(~lse_cols, float('-inf')),
                    dim=-1,
                    keepdim=True)
            # 0 * log(0) = 0: invalid columns and rows contribute nothing;
            # zero the target there so no inf/nan reaches the gradient.
            keep = col_valid & row_valid[:, :, None]
            log_w_star = torch.where(keep, log_w_star,
                                     torch.zeros_like(log_w_star))
            w_star = torch.where(keep, log_w_star.exp(),
                                 torch.zeros_like(log_w_star))
            terms = w_star * (log_w_star - log_w)
            kl = terms.sum(dim=-1)  # (N, R)
            return self.loss_weight * kl[row_valid].mean()
