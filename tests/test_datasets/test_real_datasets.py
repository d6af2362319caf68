"""KITTI / NYU / SUN RGB-D specifics on tiny generated trees."""
import os.path as osp

import numpy as np
import pytest

from depth.datasets import KITTIDataset, NYUDataset, SUNRGBDDataset
from depth.datasets.kitti_dataset import KITTI_P2

KITTI_LINES = (
    '2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png '
    '2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/'
    '0000000069.png 721.5377\n'
    '2011_09_28/2011_09_28_drive_0001_sync/image_03/data/0000000010.png '
    '2011_09_28_drive_0001_sync/proj_depth/groundtruth/image_03/'
    '0000000010.png\n'
    '2011_10_03/2011_10_03_drive_0047_sync/image_02/data/0000000001.png '
    'None 718.856\n')


def test_kitti_intrinsics_by_date(tmp_path, write_text):
    write_text(str(tmp_path / 'kitti_eigen_test.txt'), KITTI_LINES)
    ds = KITTIDataset(
        ann_file='kitti_eigen_test.txt',
        data_root=str(tmp_path),
        test_mode=True)
    assert len(ds) == 2  # the None line is dropped
    assert ds.metainfo == dict(
        depth_scale=256.0,
        min_depth_eval=1e-3,
        max_depth_eval=80.0,
        crop_type='kitti_garg')
    first, second = ds[0], ds[1]
    assert first['img_path'] == osp.join(
        str(tmp_path), 'input', '2011_09_26', '2011_09_26_drive_0002_sync',
        'image_02', 'data', '0000000069.png')
    assert first['depth_map_path'].startswith(
        osp.join(str(tmp_path), 'gt_depth', '2011_09_26_drive_0002_sync'))
    # The published P_rect_02 of 2011_09_26.
    assert first['cam_intrinsic'] == [[721.5377, 0.0, 609.5593, 44.85728],
                                      [0.0, 721.5377, 172.854, 0.2163791],
                                      [0.0, 0.0, 1.0, 0.002745884]]
    assert first['focal'] == 721.5377
    # 2011_09_28, and focal taken from fx when the line has none.
    assert second['cam_intrinsic'] == KITTI_P2['2011_09_28']
    assert second['cam_intrinsic'][0][0] == 707.0493
    assert second['cam_intrinsic'][1][2] == 180.5066
    assert second['focal'] == 707.0493
    assert first['depth_scale'] == 256.0
    assert sorted(KITTI_P2) == [
        '2011_09_26', '2011_09_28', '2011_09_29', '2011_09_30', '2011_10_03'
    ]
    for date, p2 in KITTI_P2.items():
        assert np.asarray(p2).shape == (3, 4), date
        assert p2[0][0] == p2[1][1] and p2[2][:3] == [0.0, 0.0, 1.0]


def test_kitti_benchmark_test_cam_files(tmp_path, write_text):
    write_text(
        str(tmp_path / 'benchmark_test.txt'),
        '0000000000.png\n0000000001.png\n')
    values = [721.5377, 0, 609.5593, 0, 721.5377, 172.854, 0, 0, 1]
    for name in ('0000000000', '0000000001'):
        write_text(
            str(tmp_path / 'benchmark_cam' / f'{name}.txt'),
            ' '.join(str(v) for v in values) + '\n')
    kwargs = dict(
        ann_file='benchmark_test.txt',
        data_root=str(tmp_path),
        data_prefix=dict(img_path='benchmark_test', depth_map_path=''),
        test_mode=True,
        allow_missing_depth=True,
        max_depth_eval=88)
    ds = KITTIDataset(cam_dir='benchmark_cam', **kwargs)
    assert len(ds) == 2
    assert ds[0]['depth_map_path'] is None
    assert ds[0]['cam_intrinsic'] == [[721.5377, 0, 609.5593],
                                      [0, 721.5377, 172.854], [0, 0, 1]]
    assert ds.metainfo['max_depth_eval'] == 88
    # Without cam_dir the frame has no calibration: a clear error.
    with pytest.raises(ValueError, match='benchmark_test.txt:1.*cam_dir'):
        KITTIDataset(**kwargs)
    # A cam file with a wrong number of values.
    write_text(str(tmp_path / 'benchmark_cam' / '0000000001.txt'), '1 2 3\n')
    with pytest.raises(ValueError, match='0000000001.txt: expected 9'):
        KITTIDataset(cam_dir='benchmark_cam', **kwargs)


def test_kitti_unknown_date(tmp_path, write_text):
    write_text(
        str(tmp_path / 'split.txt'),
        '2012_01_01/drive/image_02/data/0.png a.png 700\n')
    with pytest.raises(KeyError, match="split.txt:1.*'2012_01_01'"):
        KITTIDataset(ann_file='split.txt', data_root=str(tmp_path))


def test_nyu(tmp_path, write_text):
    write_text(
        str(tmp_path / 'nyu_test.txt'),
        '/bathroom/rgb_00045.jpg /bathroom/sync_depth_00045.png '
        '518.8579\n')
    ds = NYUDataset(
        ann_file='nyu_test.txt', data_root=str(tmp_path), test_mode=True)
    info = ds[0]
    assert info['img_path'] == osp.join(
        str(tmp_path), 'bathroom', 'rgb_00045.jpg')
    assert info['depth_scale'] == 1000.0
    assert info['cam_intrinsic'] == [[518.8579, 0.0, 325.5824],
                                     [0.0, 519.4696, 253.7362],
                                     [0.0, 0.0, 1.0]]
    assert ds.metainfo == dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=10.0,
        crop_type='nyu_eigen')


def test_sunrgbd_end_to_end_decode(tmp_path, write_text, write_png):
    """SUN RGB-D PNGs hold the millimetres rotated left by 3 bits."""
    mm = np.array([[0, 1, 1234], [8000, 65535, 4095]], dtype=np.uint16)
    stored = ((mm << 3) | (mm >> 13)).astype(np.uint16)
    write_png(
        str(tmp_path / 'kv1' / 'image' / 'a.jpg'), np.zeros((2, 3, 3),
                                                            np.uint8))
    write_png(str(tmp_path / 'kv1' / 'depth' / 'a.png'), stored)
    write_text(
        str(tmp_path / 'SUNRGBD_val_splits.txt'),
        'kv1/image/a.jpg kv1/depth/a.png\n')
    ds = SUNRGBDDataset(
        data_root=str(tmp_path),
        test_mode=True,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadDepthAnnotation'),
            dict(type='PackDepthInputs')
        ])
    assert ds.metainfo == dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=8.0,
        crop_type='nyu_eigen')
    assert ds.get_data_info(0)['depth_decode'] == 'sunrgbd'
    gt = ds[0]['data_samples'].gt_depth_map.data.numpy()[0]
    np.testing.assert_array_equal(gt, mm.astype(np.float32) / 1000)
