import pytest

from depth.datasets import NYUSceneDataset
from depth.datasets.nyu_scene_dataset import scene_type

LINES = ('/living_room_0010/rgb_00001.jpg /living_room_0010/d_1.png 518.8\n'
         '/bedroom_0004/rgb_00002.jpg /bedroom_0004/d_2.png 518.8\n'
         '/kitchen_0028b/rgb_00003.jpg None 518.8\n'
         '/bedroom_0100/rgb_00004.jpg /bedroom_0100/d_4.png 518.8\n'
         '/basement_0001a/rgb_00005.jpg /basement_0001a/d_5.png 518.8\n')


def test_scene_type():
    assert scene_type('data/nyu/kitchen_0028b/rgb_00045.jpg') == 'kitchen'


def test_labels_in_order_of_first_appearance(tmp_path, write_text):
    """As the original NYUBinFormerDataset: classes numbered in split-file
    order (lines with depth only), although samples are sorted by path."""
    write_text(str(tmp_path / 'train.txt'), LINES)
    ds = NYUSceneDataset(ann_file='train.txt', data_root=str(tmp_path))
    assert ds.scene_classes == ['living', 'bedroom', 'basement']
    labels = {
        scene_type(ds[i]['img_path']): ds[i]['class_label']
        for i in range(len(ds))
    }
    assert labels == dict(living=0, bedroom=1, basement=2)
    assert len(ds) == 4  # the line without depth is dropped


def test_fixed_classes(tmp_path, write_text):
    write_text(str(tmp_path / 'train.txt'), LINES)
    ds = NYUSceneDataset(
        ann_file='train.txt',
        data_root=str(tmp_path),
        scene_classes=['basement', 'bedroom', 'kitchen', 'living'])
    assert sorted(ds[i]['class_label'] for i in range(4)) == [0, 1, 1, 3]
    with pytest.raises(KeyError, match="'living'"):
        NYUSceneDataset(
            ann_file='train.txt',
            data_root=str(tmp_path),
            scene_classes=['basement', 'bedroom'])
