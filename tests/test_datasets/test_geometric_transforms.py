"""Geometric transforms keep image and depth aligned."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from depth.datasets import (KBCrop, NYUCrop, RandomCrop, RandomFlip,
                            RandomRotate, Resize)
from depth.registry import TRANSFORMS


def _results(img, depth, **extra):
    return dict(
        img=img,
        gt_depth_map=depth,
        depth_fields=['gt_depth_map'],
        img_shape=img.shape[:2],
        ori_shape=img.shape[:2],
        img_path='x.png',
        depth_map_path='x_d.png',
        **extra)


def _decode(depth):
    """(col, row) that a ramp depth value came from."""
    return (depth % 10000) - 1, depth // 10000 - 1


def _assert_exact(results):
    img, depth = results['img'], results['gt_depth_map']
    assert img.shape[:2] == depth.shape
    col, row = _decode(depth)
    np.testing.assert_array_equal(img[..., 0], col)
    np.testing.assert_array_equal(img[..., 1], row)


def test_depth_scope_picks_ours():
    init_default_scope('depth')
    assert TRANSFORMS.get('RandomFlip') is RandomFlip
    assert TRANSFORMS.get('Resize') is Resize
    assert TRANSFORMS.get('RandomCrop') is RandomCrop
    assert TRANSFORMS.get('LoadImageFromFile').__module__.startswith('mmcv')


@pytest.mark.parametrize('direction, expect', [
    ('horizontal', lambda a: a[:, ::-1]),
    ('vertical', lambda a: a[::-1]),
])
def test_flip(ramp, direction, expect):
    img, depth = ramp(6, 9)
    out = RandomFlip(prob=1.0, direction=direction)(_results(img, depth))
    assert out['flip'] is True and out['flip_direction'] == direction
    np.testing.assert_array_equal(out['gt_depth_map'], expect(depth))
    np.testing.assert_array_equal(out['img'], expect(img))
    _assert_exact(out)
    out = RandomFlip(prob=0.0)(_results(img, depth))
    assert out['flip'] is False and out['flip_direction'] is None
    np.testing.assert_array_equal(out['gt_depth_map'], depth)


def test_flip_honours_preset(ramp):
    img, depth = ramp(4, 5)
    out = RandomFlip(prob=0.0)(_results(img, depth, flip=True))
    np.testing.assert_array_equal(out['gt_depth_map'], depth[:, ::-1])
    assert out['flip_direction'] == 'horizontal'
    out = RandomFlip(prob=1.0)(_results(img, depth, flip=False))
    np.testing.assert_array_equal(out['gt_depth_map'], depth)


def test_flip_moves_every_depth_field(ramp):
    img, depth = ramp(4, 5)
    results = _results(img, depth)
    results['extra_depth'] = depth + 1
    results['depth_fields'].append('extra_depth')
    out = RandomFlip(prob=1.0)(results)
    np.testing.assert_array_equal(out['extra_depth'], depth[:, ::-1] + 1)


def test_misaligned_depth_raises(ramp):
    img, depth = ramp(4, 5)
    with pytest.raises(ValueError, match='not aligned.*x_d.png'):
        RandomFlip(prob=1.0)(_results(img, depth[:3]))


def test_random_crop(ramp):
    img, depth = ramp(20, 30)
    np.random.seed(0)
    offsets = set()
    for _ in range(20):
        out = RandomCrop((7, 11))(_results(img, depth))
        assert out['img'].shape == (7, 11, 3)
        assert out['img_shape'] == (7, 11)
        assert out['ori_shape'] == (20, 30)
        _assert_exact(out)
        offsets.add((out['img'][0, 0, 1], out['img'][0, 0, 0]))
    assert len(offsets) > 10  # the offset is random
    assert all(0 <= r <= 13 and 0 <= c <= 19 for r, c in offsets)
    with pytest.raises(ValueError, match='20x30 is smaller.*21x11'):
        RandomCrop((21, 11))(_results(img, depth))


def test_rotate_90_exact(ramp):
    img, depth = ramp(16, 16)
    out = RandomRotate(prob=1.0, degree=(90, 90))(_results(img, depth))
    # Positive angles are clockwise.
    np.testing.assert_allclose(out['img'], np.rot90(img, k=-1), atol=1e-3)
    np.testing.assert_array_equal(out['gt_depth_map'], np.rot90(depth, k=-1))
    assert (out['gt_depth_map'] > 0).all()


def test_rotate_small_angle_aligned_and_filled(ramp):
    img, depth = ramp(40, 60)
    np.random.seed(1)
    out = RandomRotate(prob=1.0, degree=10)(_results(img, depth))
    d = out['gt_depth_map']
    assert d.shape == depth.shape
    # Corners are outside the rotated frame: filled with 0 = invalid.
    assert d[0, 0] == 0 and d[-1, -1] == 0 and d[0, -1] == 0
    # Depth values are original ones (nearest), never interpolated.
    assert set(np.unique(d[d > 0])) <= set(np.unique(depth))
    # Where the image is not mixed with the border, bilinear image and
    # nearest depth point to the same source pixel within half a pixel.
    valid = d > 0
    valid[:2] = valid[-2:] = False
    valid[:, :2] = valid[:, -2:] = False
    inner = valid & (out['img'][..., 2] > 0.999)  # constant channel = 1
    assert inner.sum() > 1000
    col, row = _decode(d)
    assert np.abs(out['img'][..., 0] - col)[inner].max() <= 0.5 + 1e-3
    assert np.abs(out['img'][..., 1] - row)[inner].max() <= 0.5 + 1e-3
    # prob=0 leaves everything unchanged.
    out = RandomRotate(prob=0.0, degree=10)(_results(img, depth))
    np.testing.assert_array_equal(out['gt_depth_map'], depth)


@pytest.mark.parametrize('kwargs, shape', [
    (dict(scale=(15, 10)), (10, 15)),
    (dict(scale_factor=0.5), (20, 30)),
    (dict(scale_factor=2.0), (80, 120)),
    (dict(scale=(200, 30), keep_ratio=True), (30, 45)),
])
def test_resize_nearest_depth_and_aligned(ramp, kwargs, shape):
    img, depth = ramp(40, 60)
    out = Resize(**kwargs)(_results(img, depth))
    d = out['gt_depth_map']
    assert d.shape == shape and out['img'].shape[:2] == shape
    assert out['img_shape'] == shape
    assert out['ori_shape'] == (40, 60)  # unchanged
    assert out['scale_factor'] == (shape[1] / 60, shape[0] / 40)
    # No new values.
    assert set(np.unique(d)) <= set(np.unique(depth))
    col, row = _decode(d)
    assert np.abs(out['img'][..., 0] - col).max() <= 0.5 + 1e-3
    assert np.abs(out['img'][..., 1] - row).max() <= 0.5 + 1e-3


def test_resize_args():
    with pytest.raises(ValueError, match='exactly one'):
        Resize()
    with pytest.raises(ValueError, match='exactly one'):
        Resize(scale=(4, 4), scale_factor=2)


def test_kb_crop_offsets(ramp):
    img, depth = ramp(375, 1242)
    out = KBCrop()(_results(img, depth))
    assert out['img'].shape[:2] == (352, 1216)
    assert out['img_shape'] == out['ori_shape'] == (352, 1216)
    # top = 375 - 352 = 23, left = (1242 - 1216) // 2 = 13.
    assert out['kb_crop_offset'] == (23, 13)
    assert out['img'][0, 0, 1] == 23 and out['img'][0, 0, 0] == 13
    assert out['img'][-1, -1, 1] == 374 and out['img'][-1, -1, 0] == 1228
    _assert_exact(out)
    # Images narrower than 1216 or lower than 352 are refused.
    img, depth = ramp(350, 1242)
    with pytest.raises(ValueError, match='350x1242 is smaller'):
        KBCrop()(_results(img, depth))
    # depth=False with depth fields present would misalign them.
    img, depth = ramp(375, 1242)
    with pytest.raises(ValueError, match='depth=False'):
        KBCrop(depth=False)(_results(img, depth))
    out = KBCrop(depth=False)(dict(img=img))
    assert out['img'].shape[:2] == (352, 1216)


def test_nyu_crop(ramp):
    img, depth = ramp(480, 640)
    out = NYUCrop()(_results(img, depth))
    assert out['img'].shape[:2] == (427, 565)
    assert out['img_shape'] == out['ori_shape'] == (427, 565)
    assert out['img'][0, 0, 1] == 45 and out['img'][0, 0, 0] == 43
    assert out['img'][-1, -1, 1] == 471 and out['img'][-1, -1, 0] == 607
    _assert_exact(out)


def test_uint8_image_paths(ramp):
    """The transforms also take the uint8 BGR images of real pipelines."""
    img, depth = ramp(30, 40)
    img8 = (img % 256).astype(np.uint8)
    results = _results(img8, depth)
    transforms = [
        RandomFlip(1.0),
        RandomRotate(1.0, 5),
        RandomCrop((20, 30)),
        Resize(scale=(20, 10))
    ]
    for t in transforms:
        results = t(results)
        assert results['img'].dtype == np.uint8
        assert results['img'].shape[:2] == results['gt_depth_map'].shape


def test_reprs():
    assert repr(RandomFlip(0.5)) == \
        "RandomFlip(prob=0.5, direction='horizontal')"
    assert repr(RandomCrop((3, 4))) == 'RandomCrop(crop_size=(3, 4))'
    assert repr(RandomRotate(
        0.5, 2.5)) == ('RandomRotate(prob=0.5, degree=(-2.5, 2.5), pad_val=0, '
                       'depth_pad_val=0, center=None)')
    assert repr(Resize(scale=(4, 3))) == \
        'Resize(scale=(4, 3), scale_factor=None, keep_ratio=False)'
    assert repr(KBCrop()) == 'KBCrop(height=352, width=1216, depth=True)'
    assert repr(NYUCrop()) == 'NYUCrop(depth=True)'
