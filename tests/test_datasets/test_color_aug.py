"""ColorAug: hand-computed values, image only."""
import numpy as np
import pytest

from depth.datasets import ColorAug


def always(gamma, brightness, color):
    """A ColorAug that always applies, its factors drawn from these
    ``(low, high)`` ranges."""
    return ColorAug(
        prob=1.0,
        gamma_range=gamma,
        brightness_range=brightness,
        color_range=color)


#: gamma 1.2, brightness 1.05, colour 0.95, no randomness.
FIXED = ((1.2, 1.2), (1.05, 1.05), (0.95, 0.95))


def test_matches_hand_computed_uint8():
    img = np.full((4, 5, 3), 100, dtype=np.uint8)
    img[0, 0] = (0, 255, 250)
    depth = np.arange(20, dtype=np.float32).reshape(4, 5)
    out = always(*FIXED)(dict(img=img.copy(), gt_depth_map=depth.copy()))
    # (100 / 255) ** 1.2 * 1.05 * 0.95 * 255 = 82.7189 -> 83
    assert out['img'].dtype == np.uint8
    assert (out['img'][1:] == 83).all()
    # 0 stays 0; 255 -> 0.9975 * 255 = 254.36 -> 254; 250 -> 248.5.. -> 248
    assert tuple(out['img'][0, 0]) == (0, 254, 248)
    np.testing.assert_array_equal(out['gt_depth_map'], depth)


def test_matches_hand_computed_float():
    img = np.full((2, 2, 3), 100.0, dtype=np.float32)
    out = always(*FIXED)(dict(img=img))
    assert out['img'].dtype == np.float32
    np.testing.assert_allclose(out['img'], 82.718922, rtol=1e-5)


def test_clipped_to_255():
    img = np.full((2, 2, 3), 250, dtype=np.uint8)
    out = always((0.9, 0.9), (1.1, 1.1), (1.1, 1.1))(dict(img=img))
    assert (out['img'] == 255).all()


def test_per_channel_colour_and_prob():
    np.random.seed(3)
    img = np.full((2, 2, 3), 128, dtype=np.uint8)
    out = always((1, 1), (1, 1), (0.5, 1.5))(dict(img=img.copy()))
    # Three different channel factors.
    assert len(set(out['img'][0, 0].tolist())) == 3
    out = ColorAug(prob=0.0)(dict(img=img.copy()))
    np.testing.assert_array_equal(out['img'], img)


def test_grayscale_and_bad_args():
    img = np.full((3, 3), 100, dtype=np.uint8)
    out = always(*FIXED)(dict(img=img))
    assert out['img'].shape == (3, 3) and (out['img'] == 83).all()
    with pytest.raises(ValueError, match='gamma_range'):
        ColorAug(gamma_range=(1.2, 0.9))


def test_repr():
    assert repr(
        ColorAug()) == ('ColorAug(prob=0.5, gamma_range=(0.9, 1.1), '
                        'brightness_range=(0.9, 1.1), color_range=(0.9, 1.1))')
