"""The helpers the geometric transforms share (depth/datasets/transforms/
utils.py): which depth fields move with the image, the alignment and crop
checks, and the depth-field resize."""
import cv2
import numpy as np
import pytest

from depth.datasets.transforms.utils import (aligned_depth_fields,
                                             check_crop_fits, crop_fields,
                                             resize_fields, set_resize_meta)


def _results(h=4, w=6, **extra):
    results = dict(
        img=np.zeros((h, w, 3), np.uint8),
        img_path='a.png',
        depth_map_path='a_depth.png')
    results.update(extra)
    return results


def test_aligned_depth_fields_default_and_listed():
    gt = np.ones((4, 6), np.float32)
    assert aligned_depth_fields(_results(), 'T') == []
    assert aligned_depth_fields(_results(gt_depth_map=gt),
                                'T') == ['gt_depth_map']
    listed = _results(gt_depth_map=gt, mask=gt, depth_fields=['mask'])
    assert aligned_depth_fields(listed, 'T') == ['mask']


def test_aligned_depth_fields_refuses_misaligned_and_unwanted_depth():
    bad = _results(gt_depth_map=np.ones((4, 5), np.float32))
    with pytest.raises(
            ValueError,
            match=r"T: results\['gt_depth_map'\] has "
            r'shape \(4, 5\) but the image is \(4, 6\).*a\.png'):
        aligned_depth_fields(bad, 'T')
    gt = _results(gt_depth_map=np.ones((4, 6), np.float32))
    with pytest.raises(
            ValueError,
            match=r"Crop\(depth=False\) but results hold depth fields "
            r"\['gt_depth_map'\].*depth_map_path=a_depth\.png"):
        aligned_depth_fields(gt, 'Crop', depth=False)
    # Without depth fields, depth=False is fine.
    assert aligned_depth_fields(_results(), 'Crop', depth=False) == []


def test_check_crop_fits():
    check_crop_fits(_results(), 'C', 4, 6)
    with pytest.raises(
            ValueError,
            match=r'C: image 4x6 is smaller than the crop 5x6 '
            r'\(img_path=a\.png'):
        check_crop_fits(_results(), 'C', 5, 6)
    with pytest.raises(ValueError, match='smaller than the crop 4x7'):
        check_crop_fits(_results(), 'C', 4, 7)


def test_crop_fields_moves_image_and_depth_together():
    gt = np.arange(24, dtype=np.float32).reshape(4, 6)
    img = np.stack([gt.astype(np.uint8)] * 3, axis=-1)
    results = _results(gt_depth_map=gt.copy())
    results['img'] = img
    crop_fields(results, ['gt_depth_map'], top=1, left=2, height=2, width=3)
    np.testing.assert_array_equal(results['gt_depth_map'],
                                  [[8, 9, 10], [14, 15, 16]])
    np.testing.assert_array_equal(results['img'][..., 0],
                                  results['gt_depth_map'])
    assert results['img_shape'] == (2, 3)


def test_resize_fields_nearest_keeps_values_unmixed():
    gt = np.array([[1, 2], [3, 4]], np.float32)
    results = _results(2, 2, gt_depth_map=gt)
    resize_fields(results, ['gt_depth_map'], (4, 2), cv2.INTER_NEAREST_EXACT)
    # (w, h) = (4, 2): each column doubled, no value invented.
    np.testing.assert_array_equal(results['gt_depth_map'],
                                  [[1, 1, 2, 2], [3, 3, 4, 4]])
    # The image is the caller's business.
    assert results['img'].shape == (2, 2, 3)


def test_set_resize_meta():
    results = {}
    set_resize_meta(results, (640, 480), (320, 240), True)
    assert results == dict(
        img_shape=(240, 320),
        scale=(320, 240),
        scale_factor=(0.5, 0.5),
        keep_ratio=True)
