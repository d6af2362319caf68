"""Attractor layers that move per-pixel bin centres (LacDepth Eq. (5);
ZoeDepth's attractor layers)."""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor

from ..utils import resize

ATTRACTOR_TYPES = ('exp', 'inv')
AGGREGATIONS = ('sum', 'mean')


def attractor_shift(bin_centers: Tensor,
                    attractors: Tensor,
                    alpha: float,
                    gamma: float,
                    attractor_type: str = 'exp',
                    aggregation: str = 'sum') -> Tensor:
    """Shift of every bin centre towards the attractors.

    With ``dx = a_k - c_i`` for attractor ``a_k`` and centre ``c_i``::

        'exp':  f(dx) = dx * exp(-alpha * |dx| ** gamma)      (Eq. (5))
        'inv':  f(dx) = dx / (1 + alpha * |dx| ** gamma)
        delta c_i = sum_k f(a_k - c_i)    ('sum', Eq. (5))
                  or mean_k f(a_k - c_i)  ('mean')

    ZoeDepth calls the function ``attractor_type`` and the aggregation
    ``kind``. ZoeDepth's 'inv' uses ``dx ** gamma`` (sign-unsafe for odd
    gamma); here ``|dx| ** gamma`` is used for both, which is identical for
    even gamma. Lower ``alpha`` means a stronger pull, lower ``gamma`` a
    farther reach.

    Args:
        bin_centers (Tensor): ``(N, K, H, W)`` centres ``c_i``.
        attractors (Tensor): ``(N, A, H, W)`` attractor points ``a_k`` in the
            same units.
        alpha (float): Attraction strength parameter.
        gamma (float): Attraction exponent.
        attractor_type (str): ``'exp'`` or ``'inv'``.
        aggregation (str): ``'sum'`` or ``'mean'`` over the attractors.

    Returns:
        Tensor: ``delta c``, ``(N, K, H, W)``.
    """
    if attractor_type not in ATTRACTOR_TYPES:
        raise ValueError(f'attractor_type must be one of {ATTRACTOR_TYPES}, '
                         f'got {attractor_type!r}')
    if aggregation not in AGGREGATIONS:
        raise ValueError(f'aggregation must be one of {AGGREGATIONS}, got '
                         f'{aggregation!r}')
    if bin_centers.shape[-2:] != attractors.shape[-2:]:
        raise ValueError('attractor_shift: bin_centers '
                         f'{tuple(bin_centers.shape)} and attractors '
                         f'{tuple(attractors.shape)} differ in size')
    dx = attractors.unsqueeze(2) - bin_centers.unsqueeze(1)  # (N,A,K,H,W)
    if gamma == 2:
        mag = alpha * dx * dx
    else:
        mag = alpha * dx.abs().pow(gamma)
    if attractor_type == 'exp':
        f = dx * torch.exp(-mag)
    else:
        f = dx / (1 + mag)
    return f.sum(dim=1) if aggregation == 'sum' else f.mean(dim=1)


class AttractorLayer(nn.Module):
    """One attractor level: predict attractor points from a bin embedding
    and move the (upsampled) previous bin centres towards them.

    - ``bin_centers_type='normed'``: centres are handled normalised to
      ``[0, 1]`` over ``[min_depth, max_depth]``. The MLP gives
      ``2 * n_attractors`` non-negative values (ReLU, +1e-3) per pixel; with
      ``normalize_attractors`` each pair ``(u, v)`` becomes the point
      ``u / (u + v)`` in ``(0, 1)``, otherwise the raw ``u`` is used (what
      ZoeDepth's released code effectively does: it computes the pair
      normalisation and then discards it). The new metric centres are
      ``min_depth + (max_depth - min_depth) * b``, sorted along the bins
      and clipped to ``[min_depth, max_depth]`` (ZoeDepth), so every centre
      lies in the depth range.
    - ``bin_centers_type='softplus'``: attractors are ``Softplus`` outputs
      in metres and the centres are neither sorted nor clipped.

    Args:
        in_channels (int): Channels of the bin embedding.
        n_bins (int): Number of bins. Defaults to 64.
        n_attractors (int): Attractor points per pixel. Defaults to 16.
        mlp_dim (int): Hidden width of the MLP. Defaults to 128.
        min_depth (float): Depth range. Defaults to 1e-3.
        max_depth (float): Depth range. Defaults to 10.
        alpha (float): See :func:`attractor_shift`. Defaults to 300
            (ZoeDepth's effective value).
        gamma (float): See :func:`attractor_shift`. Defaults to 2.
        attractor_type (str): ``'exp'`` (Eq. (5), default) or ``'inv'``.
        aggregation (str): ``'sum'`` (Eq. (5), default) or ``'mean'``.
        bin_centers_type (str): ``'normed'`` (default) or ``'softplus'``.
        normalize_attractors (bool): See above. Defaults to True.
        align_corners (bool): Of the bilinear upsampling of the previous
            centres. Defaults to False.

    Shapes:
        x ``(N, in_channels, h, w)``, b_prev ``(N, n_bins, h', w')`` ->
        ``(b_new, centers)``, both ``(N, n_bins, h, w)``: ``b_new`` the
        unsorted normalised centres passed to the next level, ``centers``
        the metric centres.
    """

    def __init__(self,
                 in_channels: int,
                 n_bins: int = 64,
                 n_attractors: int = 16,
                 mlp_dim: int = 128,
                 min_depth: float = 1e-3,
                 max_depth: float = 10.0,
                 alpha: float = 300.0,
                 gamma: float = 2.0,
                 attractor_type: str = 'exp',
                 aggregation: str = 'sum',
                 bin_centers_type: str = 'normed',
                 normalize_attractors: bool = True,
                 align_corners: bool = False) -> None:
        super().__init__()
        if attractor_type not in ATTRACTOR_TYPES:
            raise ValueError('AttractorLayer: attractor_type must be one of '
                             f'{ATTRACTOR_TYPES}, got {attractor_type!r}')
        if aggregation not in AGGREGATIONS:
            raise ValueError('AttractorLayer: aggregation must be one of '
                             f'{AGGREGATIONS}, got {aggregation!r}')
        if bin_centers_type not in ('normed', 'softplus'):
            raise ValueError(
                "AttractorLayer: bin_centers_type must be 'normed' or "
                f"'softplus', got {bin_centers_type!r}")
        if n_attractors < 1:
            raise ValueError('AttractorLayer: n_attractors must be >= 1, got '
                             f'{n_attractors}')
        self.n_bins = n_bins
        self.n_attractors = n_attractors
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.alpha = alpha
        self.gamma = gamma
        self.attractor_type = attractor_type
        self.aggregation = aggregation
        self.bin_centers_type = bin_centers_type
        self.normalize_attractors = normalize_attractors
        self.align_corners = align_corners
        if bin_centers_type == 'normed':
            out, act = 2 * n_attractors, nn.ReLU(inplace=True)
        else:
            out, act = n_attractors, nn.Softplus()
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels, mlp_dim, 1), nn.ReLU(inplace=True),
            nn.Conv2d(mlp_dim, out, 1), act)

    def attractor_points(self, x: Tensor) -> Tensor:
        """Attractor points ``(N, n_attractors, h, w)`` of an embedding."""
        a = self.mlp(x)
        if self.bin_centers_type == 'softplus':
            return a
        n, _, h, w = a.shape
        a = (a + 1e-3).view(n, self.n_attractors, 2, h, w)
        if self.normalize_attractors:
            return a[:, :, 0] / a.sum(dim=2)
        return a[:, :, 0]

    def forward(self, x: Tensor, b_prev: Tensor) -> Tuple[Tensor, Tensor]:
        a = self.attractor_points(x)
        b_prev = resize(b_prev, x.shape[-2:], align_corners=self.align_corners)
        b_new = b_prev + attractor_shift(b_prev, a, self.alpha, self.gamma,
                                         self.attractor_type, self.aggregation)
        if self.bin_centers_type == 'softplus':
            return b_new, b_new
        centers = (self.max_depth - self.min_depth) * b_new + self.min_depth
        centers, _ = torch.sort(centers, dim=1)
        centers = centers.clamp(self.min_depth, self.max_depth)
        return b_new, centers
