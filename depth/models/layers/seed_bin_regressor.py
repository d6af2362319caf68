"""Per-pixel seed bin centres from the encoder bottleneck (LacDepth Sec.
2.3.1; the construction of ZoeDepth's seed regressor, itself AdaBins'
bin-width normalisation applied per pixel)."""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class SeedBinRegressor(nn.Module):
    """Predict ``n_bins`` bin centres per pixel.

    Two kinds of centres:

    - ``'normed'``: positive widths ``w = ReLU(mlp(x)) + 1e-3`` are
      normalised to sum to 1 over the bins, scaled by
      ``max_depth - min_depth``; the edges are ``min_depth`` plus their
      cumulative sum and the centres the midpoints of consecutive edges.
      Centres are sorted and inside ``(min_depth, max_depth)`` by
      construction.
    - ``'softplus'``: centres are ``Softplus(mlp(x))`` in metres, unbounded
      and unsorted (ZoeDepth's ``SeedBinRegressorUnnormed``).

    Args:
        in_channels (int): Channels of the input feature.
        n_bins (int): Number of bins. Defaults to 64.
        mlp_dim (int): Hidden width of the 1x1-conv MLP. Defaults to 256.
        min_depth (float): Lower end of the depth range. Defaults to 1e-3.
        max_depth (float): Upper end of the depth range. Defaults to 10.
        bin_centers_type (str): ``'normed'`` or ``'softplus'``.
            Defaults to ``'normed'``.

    Shapes:
        input ``(N, in_channels, h, w)``; returns ``(b, centers)``, both
        ``(N, n_bins, h, w)``: ``b`` the centres normalised to the range,
        ``(centers - min_depth) / (max_depth - min_depth)`` (for
        ``'softplus'``, ``b`` is the metric centres themselves), and
        ``centers`` in metres.
    """

    def __init__(self,
                 in_channels: int,
                 n_bins: int = 64,
                 mlp_dim: int = 256,
                 min_depth: float = 1e-3,
                 max_depth: float = 10.0,
                 bin_centers_type: str = 'normed') -> None:
        super().__init__()
        if bin_centers_type not in ('normed', 'softplus'):
            raise ValueError(
                "SeedBinRegressor: bin_centers_type must be 'normed' or "
                f"'softplus', got {bin_centers_type!r}")
        if not max_depth > min_depth:
            raise ValueError('SeedBinRegressor: need max_depth > min_depth, '
                             f'got {min_depth}, {max_depth}')
        self.n_bins = n_bins
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.bin_centers_type = bin_centers_type
        last_act = nn.ReLU(inplace=True) if bin_centers_type == 'normed' \
            else nn.Softplus()
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels, mlp_dim, 1), nn.ReLU(inplace=True),
            nn.Conv2d(mlp_dim, n_bins, 1), last_act)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        out = self.mlp(x)
        if self.bin_centers_type == 'softplus':
            return out, out
        widths = out + 1e-3
        widths = widths / widths.sum(dim=1, keepdim=True)
        edges = F.pad(torch.cumsum(widths, dim=1), (0, 0, 0, 0, 1, 0))
        b = 0.5 * (edges[:, :-1] + edges[:, 1:])
        centers = (self.max_depth - self.min_depth) * b + self.min_depth
        return b, centers
