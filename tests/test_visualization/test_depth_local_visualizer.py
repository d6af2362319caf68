import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer

from depth.registry import VISUALIZERS
from depth.structures import DepthDataSample
from depth.visualization import DepthLocalVisualizer, colorize


@pytest.fixture(autouse=True)
def clear_instances():
    yield
    Visualizer._instance_dict.clear()


def _sample(h, w):
    gt = torch.linspace(1., 8., h * w).reshape(1, h, w)
    gt[0, 0, 0] = 0.  # invalid
    sample = DepthDataSample()
    sample.gt_depth_map = PixelData(data=gt)
    sample.pred_depth_map = PixelData(data=torch.full((1, h, w), 4.))
    return sample


def test_panel_layout_written(tmp_path):
    vis = VISUALIZERS.build(
        dict(
            type='DepthLocalVisualizer',
            name='vis_layout',
            vmin=0.,
            vmax=10.,
            style='plain'))
    assert isinstance(vis, DepthLocalVisualizer)
    h, w = 6, 8
    image = np.random.RandomState(0).randint(0, 255, (h, w, 3), np.uint8)
    out_file = str(tmp_path / 'sub' / 'panel.png')
    vis.add_datasample('x', image, _sample(h, w), out_file=out_file)
    drawn = cv2.imread(out_file)[..., ::-1]  # back to RGB
    assert drawn.shape == (h, 3 * w, 3)
    assert np.array_equal(drawn[:, :w], image)
    assert drawn[0, w].tolist() == [128, 128, 128]  # invalid GT
    expected_pred = colorize(np.full((h, w), 4.), 0., 10.)
    assert np.array_equal(drawn[:, 2 * w:], expected_pred)
    assert np.array_equal(vis.get_image(), drawn)


def test_depth_resized_to_image_and_range_from_meta(tmp_path):
    vis = DepthLocalVisualizer(name='vis_meta', style='plain')
    vis.dataset_meta = dict(min_depth_eval=1e-3, max_depth_eval=80.)
    h, w = 8, 10
    image = np.zeros((h, w, 3), np.uint8)
    sample = _sample(4, 5)  # half resolution: nearest resize
    out_file = str(tmp_path / 'p.png')
    vis.add_datasample('x', image, sample, out_file=out_file)
    drawn = cv2.imread(out_file)[..., ::-1]
    assert drawn.shape == (h, 3 * w, 3)
    expected = colorize(np.full((h, w), 4.), 1e-3, 80.)
    assert np.array_equal(drawn[:, 2 * w:], expected)
    # GT pixel (0, 0) invalid covers a 2x2 block after nearest resize
    assert (drawn[:2, w:w + 2] == 128).all()


def test_no_gt_and_backend(tmp_path):
    vis = DepthLocalVisualizer(
        name='vis_backend',
        style='plain',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    sample = DepthDataSample()
    sample.pred_depth_map = PixelData(data=torch.full((1, 4, 5), 2.))
    vis.add_datasample(
        'val_img', np.zeros((4, 5, 3), np.uint8), sample, step=3)
    files = glob.glob(
        osp.join(str(tmp_path), '**', 'val_img_3.png'), recursive=True)
    assert len(files) == 1
    assert cv2.imread(files[0]).shape == (4, 10, 3)  # image | pred
