"""ResizeToMultiple: Depth Anything V2's keep-ratio resize to multiples of
14, checked on hand-computed sizes."""
import cv2
import numpy as np
import pytest

from depth.datasets.transforms import ResizeToMultiple


@pytest.mark.parametrize(
    'hw, expected_wh',
    [
        # KITTI raw 375x1242: s = 518 / 375, 1242 s = 1715.6 -> 14 * 123
        ((375, 1242), (1722, 518)),
        # KB crop 352x1216: 1216 * 518 / 352 = 1789.5 -> 14 * 128
        ((352, 1216), (1792, 518)),
        # NYU 480x640: 690.7 -> 14 * 49
        ((480, 640), (686, 518)),
        # portrait: the short side (width) is 518
        ((400, 300), (518, 686)),
        # 182x252: s = 2.846, 717.2 -> 14 * 51
        ((182, 252), (714, 518)),
    ])
def test_lower_bound_sizes(hw, expected_wh):
    t = ResizeToMultiple(scale=518, multiple_of=14)
    h, w = hw
    assert t.target_size(w, h) == expected_wh


def test_rounding_and_bounds():
    # np.round rounds half to even: 35 / 14 = 2.5 -> 2 -> below the lower
    # bound 30, so ceil -> 42
    t = ResizeToMultiple(scale=(30, 30), multiple_of=14, keep_ratio=False)
    assert t.target_size(35, 35) == (42, 42)
    up = ResizeToMultiple(
        scale=(100, 100), multiple_of=14, resize_method='upper_bound')
    w, h = up.target_size(200, 100)
    assert (w, h) == (98, 56)  # s = 0.5: 100 -> 98 (<= 100), 50 -> 56
    minimal = ResizeToMultiple(
        scale=(100, 100), multiple_of=14, resize_method='minimal')
    # s = 100 / 110 (closer to 1): 100 -> 98, 272.7 -> 266
    assert minimal.target_size(110, 300) == (98, 266)


def test_image_bicubic_float_and_depth():
    rng = np.random.RandomState(0)
    img = rng.randint(0, 256, (30, 40, 3)).astype(np.uint8)
    depth = rng.rand(30, 40).astype(np.float32)
    t = ResizeToMultiple(scale=28, multiple_of=14)
    out = t(dict(img=img.copy(), gt_depth_map=depth.copy()))
    w, h = t.target_size(40, 30)
    assert (w, h) == (42, 28)
    assert out['img'].dtype == np.float32 and out['img'].shape == (28, 42, 3)
    ref = cv2.resize(
        img.astype(np.float64), (42, 28), interpolation=cv2.INTER_CUBIC)
    np.testing.assert_array_equal(out['img'], ref.astype(np.float32))
    assert ref.min() < 0 or ref.max() > 255  # bicubic overshoot, kept
    np.testing.assert_array_equal(
        out['gt_depth_map'],
        cv2.resize(depth, (42, 28), interpolation=cv2.INTER_NEAREST))
    assert set(np.unique(out['gt_depth_map'])) <= set(np.unique(depth))
    assert out['img_shape'] == (28, 42)
    assert out['scale_factor'] == (42 / 40, 28 / 30)
    # testing: the depth keeps the ground truth's size
    test = ResizeToMultiple(scale=28, multiple_of=14, resize_depth=False)
    out = test(dict(img=img.copy(), gt_depth_map=depth.copy()))
    assert out['img'].shape[:2] == (28, 42)
    np.testing.assert_array_equal(out['gt_depth_map'], depth)


def test_misaligned_and_bad_arguments():
    t = ResizeToMultiple(scale=28)
    with pytest.raises(ValueError, match='not aligned'):
        t(
            dict(
                img=np.zeros((30, 40, 3), np.uint8),
                gt_depth_map=np.zeros((20, 40), np.float32)))
    with pytest.raises(ValueError, match='resize_method'):
        ResizeToMultiple(resize_method='fit')
    with pytest.raises(ValueError, match='interpolation'):
        ResizeToMultiple(interpolation='lanczos9')
    with pytest.raises(ValueError, match='never interpolated'):
        ResizeToMultiple(depth_interpolation='bilinear')
    with pytest.raises(ValueError, match='multiple_of'):
        ResizeToMultiple(multiple_of=0)
