"""LoadDepthAnnotation and the image loader's errors."""
import numpy as np
import pytest

from depth.datasets import LoadDepthAnnotation
from depth.registry import TRANSFORMS


def _results(path, **extra):
    return dict(depth_map_path=str(path), depth_scale=256.0, **extra)


def test_division_exact(tmp_path, write_png):
    raw = np.array([[0, 1, 256, 257], [1000, 12345, 20000, 65535]],
                   dtype=np.uint16)
    path = write_png(str(tmp_path / 'd.png'), raw)
    out = LoadDepthAnnotation()(_results(path))
    gt = out['gt_depth_map']
    assert gt.dtype == np.float32 and gt.shape == (2, 4)
    # /256 is exact in float32.
    assert gt[0, 2] == 1.0 and gt[0, 3] == 257 / 256 and gt[1, 3] == \
        65535 / 256
    np.testing.assert_array_equal(gt, raw.astype(np.float64) / 256)
    assert out['depth_fields'] == ['gt_depth_map']
    # depth_scale argument overrides results; 1000 gives the correctly
    # rounded float32 of v / 1000.
    out = LoadDepthAnnotation(depth_scale=1000)(_results(path))
    expected = (raw.astype(np.float64) / 1000).astype(np.float32)
    np.testing.assert_array_equal(out['gt_depth_map'], expected)
    assert out['gt_depth_map'][1, 0] == np.float32(1.0)
    # 0 stays 0 (invalid).
    assert out['gt_depth_map'][0, 0] == 0


def test_depth_fields_not_duplicated(tmp_path, write_png):
    path = write_png(str(tmp_path / 'd.png'), np.ones((2, 2), np.uint16))
    results = _results(path, depth_fields=['gt_depth_map'])
    assert LoadDepthAnnotation()(results)['depth_fields'] == ['gt_depth_map']


def test_missing_file_names_path(tmp_path):
    path = tmp_path / 'nope' / 'd.png'
    with pytest.raises(FileNotFoundError, match=str(path)):
        LoadDepthAnnotation()(_results(path))


def test_8bit_png_rejected(tmp_path, write_png):
    path = write_png(str(tmp_path / 'd8.png'), np.ones((3, 4), np.uint8))
    with pytest.raises(ValueError) as err:
        LoadDepthAnnotation()(_results(path))
    msg = str(err.value)
    assert path in msg and 'uint8' in msg and '16-bit' in msg


def test_rgb_png_rejected(tmp_path, write_png):
    path = write_png(str(tmp_path / 'd3.png'), np.ones((3, 4, 3), np.uint16))
    with pytest.raises(ValueError) as err:
        LoadDepthAnnotation()(_results(path))
    assert path in str(err.value) and '3-channel uint16' in str(err.value)


def test_corrupt_file_rejected(tmp_path):
    path = tmp_path / 'bad.png'
    path.write_bytes(b'not a png at all')
    with pytest.raises(ValueError, match=f'{path}.*corrupt'):
        LoadDepthAnnotation()(_results(path))


def test_sunrgbd_bit_rotation(tmp_path, write_png):
    mm = np.array([[1, 1234, 8000, 0]], dtype=np.uint16)
    stored = ((mm << 3) | (mm >> 13)).astype(np.uint16)
    # The rotation is not a plain shift: 8000 << 3 overflows 16 bits.
    assert stored[0, 2] == ((8000 * 8) & 0xFFFF) | (8000 >> 13)
    path = write_png(str(tmp_path / 'd.png'), stored)
    out = LoadDepthAnnotation(
        depth_scale=1000, decode='sunrgbd')(
            _results(path))
    np.testing.assert_array_equal(out['gt_depth_map'],
                                  mm.astype(np.float32) / 1000)
    # Through the dataset-provided flag.
    out = LoadDepthAnnotation(depth_scale=1000)(
        _results(path, depth_decode='sunrgbd'))
    np.testing.assert_array_equal(out['gt_depth_map'],
                                  mm.astype(np.float32) / 1000)
    with pytest.raises(ValueError, match='decode'):
        LoadDepthAnnotation(decode='nope')


def test_none_path_passes_through():
    results = dict(depth_map_path=None, depth_scale=256.0)
    out = LoadDepthAnnotation()(results)
    assert 'gt_depth_map' not in out


def test_size_mismatch_with_image(tmp_path, write_png):
    path = write_png(str(tmp_path / 'd.png'), np.ones((4, 5), np.uint16))
    with pytest.raises(ValueError, match='4x5.*3x5'):
        LoadDepthAnnotation()(_results(path, ori_shape=(3, 5)))


def test_missing_scale(tmp_path, write_png):
    path = write_png(str(tmp_path / 'd.png'), np.ones((4, 5), np.uint16))
    with pytest.raises(KeyError, match='depth_scale'):
        LoadDepthAnnotation()(dict(depth_map_path=path))


def test_image_loader_names_missing_path(tmp_path):
    load = TRANSFORMS.build(dict(type='LoadImageFromFile'))
    path = str(tmp_path / 'missing.png')
    with pytest.raises(FileNotFoundError, match=path):
        load(dict(img_path=path))


def test_repr():
    assert repr(LoadDepthAnnotation(depth_scale=256)) == (
        "LoadDepthAnnotation(depth_scale=256, decode=None, "
        'backend_args=None)')
