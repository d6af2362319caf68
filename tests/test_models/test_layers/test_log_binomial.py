import math

import pytest
import torch

from depth.models.layers import (LogBinomial, log_binomial_coefficient,
                                 log_binomial_probs)


def _q_t(q, t, h=1, w=1):
    return (torch.full((1, 1, h, w), q, dtype=torch.float64),
            torch.full((1, 1, h, w), t, dtype=torch.float64))


@pytest.mark.parametrize('n_bins,q', [(5, 0.3), (7, 0.8), (4, 0.5)])
def test_exact_equals_binomial_pmf(n_bins, q):
    probs = log_binomial_probs(*_q_t(q, 1.0), n_bins, stirling=False)
    n = n_bins - 1
    pmf = [math.comb(n, k) * q**k * (1 - q)**(n - k) for k in range(n_bins)]
    torch.testing.assert_close(probs.flatten(),
                               torch.tensor(pmf, dtype=torch.float64))


def test_binomial_pmf_literal_values():
    # Binomial(4, 0.3): 0.2401, 0.4116, 0.2646, 0.0756, 0.0081
    probs = log_binomial_probs(*_q_t(0.3, 1.0), 5, stirling=False)
    torch.testing.assert_close(
        probs.flatten(),
        torch.tensor([0.2401, 0.4116, 0.2646, 0.0756, 0.0081],
                     dtype=torch.float64))


def test_stirling_coefficients_hand_computed():
    # n = 4: n ln n - k ln k - (n - k) ln(n - k), with 0 ln 0 = 0
    k = torch.arange(5, dtype=torch.float64)
    got = log_binomial_coefficient(4, k, stirling=True)
    four = 4 * math.log(4)
    # k = 0 and k = n: n ln n - 0 - n ln n = 0
    expected = [
        0., four - 3 * math.log(3), four - 4 * math.log(2),
        four - 3 * math.log(3), 0.
    ]
    torch.testing.assert_close(got,
                               torch.tensor(expected, dtype=torch.float64))
    exact = log_binomial_coefficient(4, k, stirling=False)
    torch.testing.assert_close(
        exact,
        torch.tensor(
            [0., math.log(4), math.log(6),
             math.log(4), 0.],
            dtype=torch.float64))


@pytest.mark.parametrize('stirling', [True, False])
@pytest.mark.parametrize('q', [0.01, 0.27, 0.5, 0.93])
@pytest.mark.parametrize('t', [0.05, 1.0, 7.0])
def test_sums_to_one_and_unimodal(stirling, q, t):
    n_bins = 64
    probs = log_binomial_probs(*_q_t(q, t, 2, 3), n_bins, stirling=stirling)
    assert probs.shape == (1, n_bins, 2, 3)
    torch.testing.assert_close(
        probs.sum(dim=1), torch.ones(1, 2, 3, dtype=torch.float64))
    p = probs[0, :, 0, 0]
    mode = int(p.argmax())
    diffs = p[1:] - p[:-1]
    # non-decreasing up to the mode, non-increasing after it
    assert (diffs[:mode] >= -1e-12).all()
    assert (diffs[mode:] <= 1e-12).all()
    # the mode sits at q (K - 1) (within one bin)
    assert abs(mode - q * (n_bins - 1)) <= 1.0 + 1e-9


def test_temperature_sharpens_and_flattens():
    # q = 0.3: a single most likely class (q = 0.5 ties 31 and 32 of 0..63)
    sharp = log_binomial_probs(*_q_t(0.3, 0.01), 64)
    flat = log_binomial_probs(*_q_t(0.3, 1000.), 64)
    assert sharp.max() > 0.9
    assert flat.max() < 1.5 / 64


def test_log_binomial_layer():
    torch.manual_seed(0)
    layer = LogBinomial(
        in_channels=5, condition_dim=8, n_bins=16, min_temp=0.5, max_temp=3.)
    x, cond = torch.randn(2, 5, 4, 6), torch.randn(2, 8, 4, 6)
    q, t = layer.mode_and_temperature(x, cond)
    assert ((q > 0) & (q < 1)).all()
    assert ((t >= 0.5) & (t <= 3.)).all()
    probs = layer(x, cond)
    assert probs.shape == (2, 16, 4, 6)
    torch.testing.assert_close(probs.sum(1), torch.ones(2, 4, 6))
    with pytest.raises(ValueError, match='min_temp'):
        LogBinomial(5, 8, min_temp=2., max_temp=1.)
