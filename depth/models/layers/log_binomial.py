"""Conditional log-binomial probabilities over ordered depth bins (LacDepth
Sec. 2.3.2, after ZoeDepth and Beckham & Pal's unimodal ordinal
distributions)."""
from typing import Tuple

import torch
import torch.nn as nn
from torch import Tensor


def log_binomial_coefficient(n: int,
                             k: Tensor,
                             stirling: bool = True) -> Tensor:
    """``log C(n, k)`` for integer-valued ``k`` in ``[0, n]``.

    Args:
        n (int): Number of trials (``n_bins - 1``).
        k (Tensor): Successes, any shape, float dtype.
        stirling (bool): Use Stirling's approximation
            ``log m! ~ m log m - m`` (the linear terms cancel), giving
            ``n log n - k log k - (n - k) log(n - k)`` with ``0 log 0 = 0``,
            as in the paper and ZoeDepth (the ``0.5 log(2 pi m)`` terms are
            dropped). With False, the exact value from ``lgamma``.

    Returns:
        Tensor: Same shape as ``k``.
    """
    n_t = torch.as_tensor(float(n), dtype=k.dtype, device=k.device)
    if stirling:
        return (torch.xlogy(n_t, n_t) - torch.xlogy(k, k) -
                torch.xlogy(n_t - k, n_t - k))
    return (torch.lgamma(n_t + 1) - torch.lgamma(k + 1) -
            torch.lgamma(n_t - k + 1))


def log_binomial_probs(q: Tensor,
                       t: Tensor,
                       n_bins: int,
                       stirling: bool = True,
                       eps: float = 1e-4) -> Tensor:
    """Probabilities of ``n_bins`` ordered classes from a binomial with
    success probability ``q`` softened by a temperature ``t``::

        log p_k = log C(K - 1, k) + k log q + (K - 1 - k) log(1 - q)
        p = softmax(log p / t)            over k = 0 .. K - 1

    With ``t = 1`` and ``stirling=False`` this is exactly the binomial pmf
    ``Binomial(K - 1, q)``. The distribution is unimodal with its mode near
    ``q (K - 1)``; small ``t`` sharpens it, large ``t`` flattens it.

    Args:
        q (Tensor): Mode parameter in ``(0, 1)``, ``(N, 1, H, W)``.
            Values are kept inside ``[eps, 1 - eps]`` so the logarithms stay
            finite.
        t (Tensor): Temperature ``> 0``, ``(N, 1, H, W)``.
        n_bins (int): Number of classes ``K >= 2``.
        stirling (bool): Stirling approximation of the log factorials (the
            paper); False for the exact ``lgamma`` value.
        eps (float): Margin of ``q`` from 0 and 1. Defaults to 1e-4.

    Returns:
        Tensor: ``(N, K, H, W)`` probabilities summing to 1 over dim 1.
    """
    if n_bins < 2:
        raise ValueError(f'log_binomial_probs: n_bins must be >= 2, got '
                         f'{n_bins}')
    k = torch.arange(
        n_bins, dtype=q.dtype, device=q.device).view(1, n_bins,
                                                     *([1] * (q.dim() - 2)))
    n = n_bins - 1
    q = q.clamp(eps, 1 - eps)
    # k log q + (n - k) log(1 - q) = n log(1 - q) + k logit(q); the first
    # term is the same for every k and cancels in the softmax.
    logit = torch.log(q) - torch.log1p(-q)
    log_p = log_binomial_coefficient(n, k, stirling) + k * logit
    return torch.softmax(log_p / t, dim=1)


class LogBinomial(nn.Module):
    """Conditional log-binomial probability layer.

    A 1x1-conv MLP on ``concat(x, cond)`` predicts four positive numbers
    ``(p0, p1, t0, t1)`` (Softplus). The binomial mode parameter is
    ``q = (p0 + eps) / (p0 + p1 + 2 eps)`` and the temperature
    ``t = min_temp + (max_temp - min_temp) (t0 + eps) / (t0 + t1 + 2 eps)``;
    the probabilities are :func:`log_binomial_probs`.

    Args:
        in_channels (int): Channels of the feature ``x``.
        condition_dim (int): Channels of the condition ``cond``
            (the bin embedding).
        n_bins (int): Number of classes. Defaults to 64.
        bottleneck_factor (int): Hidden width is
            ``(in_channels + condition_dim) // bottleneck_factor``.
            Defaults to 2.
        p_eps (float): ``eps`` above. Defaults to 1e-4.
        min_temp (float): Lowest temperature. Defaults to 0.0212
            (ZoeDepth's released configs; the paper does not say).
        max_temp (float): Highest temperature. Defaults to 50.
        stirling (bool): Stirling approximation of the log factorials.
            Defaults to True (the paper).

    Shapes:
        x ``(N, in_channels, H, W)``, cond ``(N, condition_dim, H, W)`` ->
        ``(N, n_bins, H, W)``.
    """

    def __init__(self,
                 in_channels: int,
                 condition_dim: int,
                 n_bins: int = 64,
                 bottleneck_factor: int = 2,
                 p_eps: float = 1e-4,
                 min_temp: float = 0.0212,
                 max_temp: float = 50.0,
                 stirling: bool = True) -> None:
        super().__init__()
        if not 0 < min_temp <= max_temp:
            raise ValueError('LogBinomial: need 0 < min_temp <= max_temp, got '
                             f'{min_temp}, {max_temp}')
        self.n_bins = n_bins
        self.p_eps = p_eps
        self.min_temp = min_temp
        self.max_temp = max_temp
        self.stirling = stirling
        hidden = max((in_channels + condition_dim) // bottleneck_factor, 4)
        self.mlp = nn.Sequential(
            nn.Conv2d(in_channels + condition_dim, hidden, 1), nn.GELU(),
            nn.Conv2d(hidden, 4, 1), nn.Softplus())

    def mode_and_temperature(self, x: Tensor,
                             cond: Tensor) -> Tuple[Tensor, Tensor]:
        """``q`` in ``(0, 1)`` and ``t`` in ``[min_temp, max_temp]``, each
        ``(N, 1, H, W)``."""
        pt = self.mlp(torch.cat([x, cond], dim=1)) + self.p_eps
        q = pt[:, 0:1] / (pt[:, 0:1] + pt[:, 1:2])
        t = pt[:, 2:3] / (pt[:, 2:3] + pt[:, 3:4])
        t = self.min_temp + (self.max_temp - self.min_temp) * t
        return q, t

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        q, t = self.mode_and_temperature(x, cond)
        return log_binomial_probs(q, t, self.n_bins, self.stirling)
