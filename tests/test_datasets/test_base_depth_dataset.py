"""Split-file parsing, missing-GT handling, folder pairing, file checks."""
import os.path as osp
from unittest import mock

import numpy as np
import pytest

from depth.datasets import BaseDepthDataset, CustomDepthDataset

SPLIT = ('2011/b.png 2011/b_d.png 721.5377\n'
         'a.png None 721.5377\n'
         '/c.png /c_d.png\n'
         '\n'
         'd.png d_d.png 518.8579\n')


def _dataset(tmp_path, write_text, text=SPLIT, **kwargs):
    write_text(str(tmp_path / 'split.txt'), text)
    return BaseDepthDataset(
        ann_file='split.txt',
        data_root=str(tmp_path),
        data_prefix=dict(img_path='rgb', depth_map_path='gt'),
        **kwargs)


def test_split_parsing_drops_missing_gt_in_training(tmp_path, write_text):
    with mock.patch('depth.datasets.base_depth_dataset.print_log') as log:
        ds = _dataset(tmp_path, write_text)
    assert len(ds) == 3
    # Sorted by image path; the leading '/' is stripped.
    root = str(tmp_path)
    assert [ds[i]['img_path'] for i in range(3)] == [
        osp.join(root, 'rgb', '2011/b.png'),
        osp.join(root, 'rgb', 'c.png'),
        osp.join(root, 'rgb', 'd.png')
    ]
    info = ds[0]
    assert info['depth_map_path'] == osp.join(root, 'gt', '2011/b_d.png')
    assert info['focal'] == 721.5377
    assert info['depth_fields'] == []
    assert info['depth_scale'] == 1000.0
    assert ds[1]['focal'] is None  # 2-column line
    assert ds[1]['depth_map_path'] == osp.join(root, 'gt', 'c_d.png')
    messages = ' '.join(str(c.args[0]) for c in log.call_args_list)
    assert 'dropped 1 samples' in messages and '3 remain' in messages


def test_missing_gt_in_test_mode(tmp_path, write_text):
    with mock.patch('depth.datasets.base_depth_dataset.print_log') as log:
        ds = _dataset(tmp_path, write_text, test_mode=True)
    assert len(ds) == 3
    assert 'dropped 1 samples' in str(log.call_args_list[0].args[0])

    ds = _dataset(
        tmp_path, write_text, test_mode=True, allow_missing_depth=True)
    assert len(ds) == 4
    assert ds[0]['img_path'].endswith('2011/b.png')
    none = [ds[i] for i in range(4) if ds[i]['depth_map_path'] is None]
    assert len(none) == 1 and none[0]['img_path'].endswith('a.png')

    # allow_missing_depth has no effect in training.
    ds = _dataset(tmp_path, write_text, allow_missing_depth=True)
    assert len(ds) == 3


def test_kitti_like_counts(tmp_path, write_text):
    """697 lines with 45 None -> 652 evaluated, as in the original."""
    missing = set(range(3, 697, 15)[:45])
    lines = [
        f'img_{i:04d}.png {"None" if i in missing else f"gt_{i:04d}.png"} '
        '721.5377' for i in range(697)
    ]
    ds = _dataset(tmp_path, write_text, text='\n'.join(lines), test_mode=True)
    assert len(missing) == 45 and len(ds) == 652


@pytest.mark.parametrize('line, match', [
    ('x.png y.png 1.0 extra', '4 columns'),
    ('x.png y.png focal', "focal length 'focal'"),
])
def test_malformed_line_names_file_and_line(tmp_path, write_text, line, match):
    text = 'a.png a_d.png 1.0\nb.png b_d.png 2.0\n' + line + '\n'
    split = str(tmp_path / 'split.txt')
    with pytest.raises(ValueError, match=match) as err:
        _dataset(tmp_path, write_text, text=text)
    assert f'{split}:3' in str(err.value)


def test_empty_split_file_names_the_file(tmp_path, write_text):
    split = str(tmp_path / 'split.txt')
    with pytest.raises(ValueError, match='has no sample lines') as err:
        _dataset(tmp_path, write_text, text='\n\n')
    assert split in str(err.value)
    # training split whose every line lacks depth
    with pytest.raises(ValueError, match='2 samples, none with ground') as err:
        _dataset(tmp_path, write_text, text='a.png None\nb.png None 1.0\n')
    assert split in str(err.value)


def test_missing_split_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        BaseDepthDataset(ann_file='nope.txt', data_root=str(tmp_path))


def test_metainfo_and_overrides(tmp_path, write_text):
    ds = _dataset(tmp_path, write_text)
    assert ds.metainfo == dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=10.0,
        crop_type=None)
    ds = _dataset(
        tmp_path,
        write_text,
        depth_scale=256,
        max_depth_eval=80,
        crop_type='kitti_garg')
    assert ds.metainfo['depth_scale'] == 256
    assert ds.metainfo['max_depth_eval'] == 80
    info = ds[0]
    assert info['depth_scale'] == 256
    # the range and crop have one home, the metainfo: no per-sample copy
    assert 'max_depth_eval' not in info and 'crop_type' not in info
    with pytest.raises(ValueError, match="'garg'"):
        _dataset(tmp_path, write_text, crop_type='garg')
    with pytest.raises(ValueError, match='depth_scale'):
        _dataset(tmp_path, write_text, depth_scale=-1)
    with pytest.raises(ValueError, match='min_depth_eval'):
        _dataset(tmp_path, write_text, min_depth_eval=5, max_depth_eval=1)


def test_files_checked_lazily_or_up_front(tmp_path, write_text, write_png):
    write_png(str(tmp_path / 'rgb' / 'a.png'), np.zeros((4, 5, 3), np.uint8))
    text = 'a.png a_d.png 1.0\n'
    # Lazy: construction succeeds, loading names the missing depth file.
    ds = _dataset(
        tmp_path,
        write_text,
        text=text,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadDepthAnnotation')
        ])
    missing = osp.join(str(tmp_path), 'gt', 'a_d.png')
    with pytest.raises(FileNotFoundError, match=missing):
        ds[0]
    # Up front.
    with pytest.raises(FileNotFoundError, match='1 files not found') as err:
        _dataset(tmp_path, write_text, text=text, check_files=True)
    assert missing in str(err.value) and 'split.txt:1' in str(err.value)


def test_custom_folder_pairing(tmp_path, write_png):
    rgb = np.zeros((4, 5, 3), np.uint8)
    dep = np.ones((4, 5), np.uint16)
    write_png(str(tmp_path / 'rgb' / 'b.jpg'), rgb)
    write_png(str(tmp_path / 'rgb' / 'sub' / 'a.png'), rgb)
    write_png(str(tmp_path / 'depth' / 'b.png'), dep)
    write_png(str(tmp_path / 'depth' / 'sub' / 'a.png'), dep)
    ds = CustomDepthDataset(
        data_root=str(tmp_path), depth_scale=256, max_depth_eval=50)
    assert len(ds) == 2
    assert ds[0]['img_path'] == osp.join(str(tmp_path), 'rgb', 'b.jpg')
    assert ds[0]['depth_map_path'] == osp.join(str(tmp_path), 'depth', 'b.png')
    assert ds[1]['img_path'].endswith(osp.join('sub', 'a.png'))
    assert ds.metainfo['depth_scale'] == 256
    assert ds.metainfo['max_depth_eval'] == 50

    write_png(str(tmp_path / 'rgb' / 'c.png'), rgb)
    write_png(str(tmp_path / 'depth' / 'z.png'), dep)
    with pytest.raises(ValueError) as err:
        CustomDepthDataset(data_root=str(tmp_path))
    msg = str(err.value)
    assert 'c.png' in msg and 'z.png' in msg
    assert 'Images without depth' in msg and 'Depth maps without image' in msg


def test_custom_split_file(tmp_path, write_text):
    write_text(str(tmp_path / 'train.txt'), 'x.jpg x.png\n')
    ds = CustomDepthDataset(ann_file='train.txt', data_root=str(tmp_path))
    assert len(ds) == 1
    assert ds[0]['img_path'] == osp.join(str(tmp_path), 'rgb', 'x.jpg')


def test_custom_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='rgb'):
        CustomDepthDataset(data_root=str(tmp_path))
