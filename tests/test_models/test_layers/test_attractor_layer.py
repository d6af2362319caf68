import math

import pytest
import torch

from depth.models.layers import AttractorLayer, attractor_shift

# Two bin centres c = (0.2, 0.6) at one pixel, two attractors a = (0.3, 0.5),
# alpha = 10, gamma = 2.  a_k - c_i:
#   c = 0.2: dx = (+0.1, +0.3);   c = 0.6: dx = (-0.3, -0.1)
# exp: f = dx * exp(-10 dx^2) ; inv: f = dx / (1 + 10 dx^2)
EXP_01 = 0.1 * math.exp(-0.1)  # 0.0904837...
EXP_03 = 0.3 * math.exp(-0.9)  # 0.1219709...
INV_01 = 0.1 / 1.1  # 0.0909090...
INV_03 = 0.3 / 1.9  # 0.1578947...


def _centres_attractors():
    c = torch.tensor([0.2, 0.6], dtype=torch.float64).view(1, 2, 1, 1)
    a = torch.tensor([0.3, 0.5], dtype=torch.float64).view(1, 2, 1, 1)
    return c, a


@pytest.mark.parametrize('attractor_type,aggregation,expected', [
    ('exp', 'sum', [EXP_01 + EXP_03, -(EXP_03 + EXP_01)]),
    ('exp', 'mean', [(EXP_01 + EXP_03) / 2, -(EXP_03 + EXP_01) / 2]),
    ('inv', 'sum', [INV_01 + INV_03, -(INV_03 + INV_01)]),
    ('inv', 'mean', [(INV_01 + INV_03) / 2, -(INV_03 + INV_01) / 2]),
])
def test_attractor_shift_hand_computed(attractor_type, aggregation, expected):
    c, a = _centres_attractors()
    delta = attractor_shift(
        c,
        a,
        alpha=10.,
        gamma=2.,
        attractor_type=attractor_type,
        aggregation=aggregation)
    assert delta.shape == c.shape
    torch.testing.assert_close(delta.flatten(),
                               torch.tensor(expected, dtype=torch.float64))
    # the decimal values, written out
    literal = {
        ('exp', 'sum'): 0.2124546,
        ('exp', 'mean'): 0.1062273,
        ('inv', 'sum'): 0.2488038,
        ('inv', 'mean'): 0.1244019
    }[(attractor_type, aggregation)]
    assert delta[0, 0, 0, 0].item() == pytest.approx(literal, abs=1e-6)


def test_attractor_shift_odd_gamma_is_sign_safe():
    # gamma = 1: |dx| is used, so an attractor below a centre pulls it down
    # by dx / (1 + alpha |dx|) (ZoeDepth's dx ** gamma would give
    # -0.2 / (1 - 0.4) = -0.333).
    c = torch.tensor([0.5]).view(1, 1, 1, 1)
    a = torch.tensor([0.3]).view(1, 1, 1, 1)
    inv = attractor_shift(c, a, alpha=2., gamma=1., attractor_type='inv')
    exp = attractor_shift(c, a, alpha=2., gamma=1., attractor_type='exp')
    assert inv.item() == pytest.approx(-0.2 / 1.4)
    assert exp.item() == pytest.approx(-0.2 * math.exp(-0.4))


def test_attractor_shift_bad_arguments():
    c, a = _centres_attractors()
    with pytest.raises(ValueError, match='attractor_type'):
        attractor_shift(c, a, 1., 2., attractor_type='gauss')
    with pytest.raises(ValueError, match='aggregation'):
        attractor_shift(c, a, 1., 2., aggregation='max')


def _layer_with_fixed_attractors(points, **kwargs):
    """Layer whose MLP outputs constant pairs (u, v) = (p, 1 - p) - 1e-3,
    so the normalised attractor points are exactly ``points``."""
    layer = AttractorLayer(
        in_channels=4, n_bins=2, n_attractors=len(points), mlp_dim=4, **kwargs)
    last = layer.mlp[2]
    torch.nn.init.zeros_(last.weight)
    bias = []
    for p in points:
        bias += [p - 1e-3, (1 - p) - 1e-3]
    last.bias.data = torch.tensor(bias)
    return layer


@pytest.mark.parametrize('attractor_type,aggregation', [('exp', 'sum'),
                                                        ('exp', 'mean'),
                                                        ('inv', 'sum'),
                                                        ('inv', 'mean')])
def test_attractor_layer_update(attractor_type, aggregation):
    layer = _layer_with_fixed_attractors([0.3, 0.5],
                                         min_depth=1.,
                                         max_depth=11.,
                                         alpha=10.,
                                         gamma=2.,
                                         attractor_type=attractor_type,
                                         aggregation=aggregation)
    a = layer.attractor_points(torch.randn(1, 4, 3, 5))
    torch.testing.assert_close(a[0, :, 0, 0], torch.tensor([0.3, 0.5]))
    b_prev = torch.tensor([0.2, 0.6]).view(1, 2, 1, 1).expand(1, 2, 3,
                                                              5).clone()
    b_new, centers = layer(torch.randn(1, 4, 3, 5), b_prev)
    f = {'exp': (EXP_01, EXP_03), 'inv': (INV_01, INV_03)}[attractor_type]
    d = (f[0] + f[1]) / (2 if aggregation == 'mean' else 1)
    expected_b = torch.tensor([0.2 + d, 0.6 - d])
    torch.testing.assert_close(b_new[0, :, 1, 2], expected_b)
    # metric centres: min + (max - min) * b, sorted along the bins (with
    # 'sum' the two centres cross: 0.4125 > 0.3875), inside the range
    torch.testing.assert_close(centers[0, :, 1, 2],
                               (1. + 10. * expected_b).sort().values)


def test_attractor_layer_sort_clip_and_upsample():
    layer = _layer_with_fixed_attractors([0.5],
                                         min_depth=1.,
                                         max_depth=11.,
                                         alpha=1.,
                                         gamma=2.)
    # unsorted and out-of-range previous centres at a coarser resolution
    b_prev = torch.tensor([1.3, -0.4]).view(1, 2, 1, 1).expand(1, 2, 2,
                                                               2).clone()
    b_new, centers = layer(torch.randn(1, 4, 4, 4), b_prev)
    assert b_new.shape == centers.shape == (1, 2, 4, 4)
    assert (centers[:, 0] <= centers[:, 1]).all()
    assert centers.min() >= 1. and centers.max() <= 11.


def test_attractor_layer_softplus_and_raw():
    layer = AttractorLayer(
        8, n_bins=16, n_attractors=4, bin_centers_type='softplus')
    b, c = layer(torch.randn(2, 8, 6, 7), torch.rand(2, 16, 3, 4) * 5)
    assert b.shape == c.shape == (2, 16, 6, 7)
    raw = AttractorLayer(
        8, n_bins=16, n_attractors=4, normalize_attractors=False)
    assert raw.attractor_points(torch.randn(2, 8, 3, 3)).shape == (2, 4, 3, 3)
    with pytest.raises(ValueError, match='bin_centers_type'):
        AttractorLayer(8, bin_centers_type='linear')
