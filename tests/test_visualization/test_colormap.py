import numpy as np
import pytest
import torch

from depth.visualization import colorize, colormap_lut


def test_lut_reversal_and_shape():
    magma, magma_r = colormap_lut('magma'), colormap_lut('magma_r')
    assert magma.shape == (256, 3) and magma.dtype == np.uint8
    assert np.array_equal(magma_r, magma[::-1])
    # magma goes from near black to light: magma_r starts light
    assert magma_r[0].sum() > 500 and magma_r[255].sum() < 40
    gray = colormap_lut('gray')
    assert gray[0].tolist() == [0, 0, 0] and gray[255].tolist() == [255] * 3
    with pytest.raises(ValueError, match='nope'):
        colormap_lut('nope')


def test_fixed_range_and_grey_invalid():
    lut = colormap_lut('magma_r')
    depth = np.array([[0., 1., 10., np.nan], [5.5, 20., -1., np.inf]])
    rgb = colorize(depth, vmin=1., vmax=10.)
    assert rgb.shape == (2, 4, 3) and rgb.dtype == np.uint8
    assert rgb[0, 1].tolist() == lut[0].tolist()  # vmin
    assert rgb[0, 2].tolist() == lut[255].tolist()  # vmax
    assert rgb[1, 1].tolist() == lut[255].tolist()  # above vmax: end colour
    # (5.5 - 1) / 9 * 255 = 127.5 -> 128
    assert rgb[1, 0].tolist() == lut[128].tolist()
    for r, c in [(0, 0), (0, 3), (1, 2), (1, 3)]:  # 0, nan, -1, inf
        assert rgb[r, c].tolist() == [128, 128, 128]


def test_same_depth_same_colour_across_images():
    a = torch.tensor([[[2., 3.]]])  # (1, H, W) tensor input
    b = np.array([[2., 9.]])
    ca = colorize(a, 0., 10.)
    cb = colorize(b, 0., 10.)
    assert ca[0, 0].tolist() == cb[0, 0].tolist()
    # a per-image range (None) colours 3 m differently in different maps
    c = np.array([[2., 3., 9.]])
    assert colorize(a)[0, 0, 1].tolist() != colorize(c)[0, 1].tolist()


def test_custom_invalid_colour():
    rgb = colorize(np.zeros((1, 1)), 0., 1., invalid_color=(1, 2, 3))
    assert rgb[0, 0].tolist() == [1, 2, 3]
