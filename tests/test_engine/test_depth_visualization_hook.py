import glob
import os
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer

from depth.engine import DepthVisualizationHook
from depth.evaluation.metrics.depth_metric import output_name
from depth.registry import HOOKS
from depth.structures import DepthDataSample
from depth.visualization import DepthLocalVisualizer


@pytest.fixture(autouse=True)
def clear_instances():
    yield
    Visualizer._instance_dict.clear()


def _write_image(path, h, w):
    img = np.random.RandomState(0).randint(0, 255, (h, w, 3), np.uint8)
    os.makedirs(osp.dirname(path), exist_ok=True)
    cv2.imwrite(path, img)
    return img


def _sample(img_path, h, w):
    sample = DepthDataSample(metainfo=dict(img_path=img_path))
    sample.gt_depth_map = PixelData(data=torch.full((1, h, w), 3.))
    sample.pred_depth_map = PixelData(data=torch.full((1, h, w), 2.))
    return sample


def _runner(tmp_path, data_root):
    dataset = SimpleNamespace(data_root=data_root)
    return SimpleNamespace(
        work_dir=str(tmp_path / 'work'),
        timestamp='20240101_000000',
        iter=7,
        test_dataloader=SimpleNamespace(dataset=dataset),
        val_dataloader=SimpleNamespace(dataset=dataset))


def test_draws_every_test_sample_into_show_dir(tmp_path):
    DepthLocalVisualizer.get_instance('hook_test', vmin=0., vmax=10.)
    hook = HOOKS.build(
        dict(type='DepthVisualizationHook', draw=True, show_dir='vis'))
    data_root = str(tmp_path / 'data')
    # the file is larger than the prediction (as a KB-cropped KITTI frame):
    # the image panel is resized to the prediction size
    paths = [
        osp.join(data_root, 'drive_a', 'data', '0005.png'),
        osp.join(data_root, 'drive_b', 'data', '0005.png'),
    ]
    for p in paths:
        _write_image(p, 12, 16)
    runner = _runner(tmp_path, data_root)
    hook.after_test_iter(runner, 0, {}, [_sample(p, 6, 8) for p in paths])
    out_dir = osp.join(runner.work_dir, runner.timestamp, 'vis')
    names = sorted(osp.basename(f) for f in glob.glob(out_dir + '/*.png'))
    # same base name in two drives: two files
    assert names == ['drive_a_data_0005.png', 'drive_b_data_0005.png']
    panel = cv2.imread(osp.join(out_dir, names[0]))
    # annotated: titles and a metrics line above, colour bars and the
    # error panel beside
    assert panel.shape[0] > 6 and panel.shape[1] > 4 * 8


def test_absolute_show_dir_and_path_fallback(tmp_path):
    DepthLocalVisualizer.get_instance('hook_abs')
    out_dir = str(tmp_path / 'abs_out')
    hook = DepthVisualizationHook(draw=True, show_dir=out_dir)
    img_path = str(tmp_path / 'elsewhere' / 'rgb_00045.jpg')
    _write_image(img_path, 6, 8)
    runner = _runner(tmp_path, data_root=None)
    hook.after_test_iter(runner, 0, {}, [_sample(img_path, 6, 8)])
    # not under a data root: the whole path, as DepthMetric names --out PNGs
    assert osp.exists(osp.join(out_dir, output_name(img_path)))
    assert output_name(img_path).endswith('elsewhere_rgb_00045.png')


def test_draw_false_does_nothing(tmp_path):
    DepthLocalVisualizer.get_instance('hook_off')
    hook = DepthVisualizationHook(show_dir=str(tmp_path / 'o'))
    hook.after_test_iter(
        _runner(tmp_path, None), 0, {},
        [_sample(str(tmp_path / 'missing.png'), 2, 2)])
    assert not osp.exists(str(tmp_path / 'o'))


def test_val_interval_draws_first_sample_to_backends(tmp_path):
    DepthLocalVisualizer.get_instance(
        'hook_val',
        vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path / 'logs'))
    hook = DepthVisualizationHook(draw=True, interval=2)
    data_root = str(tmp_path / 'data')
    paths = [osp.join(data_root, f'img_{i}.png') for i in range(2)]
    for p in paths:
        _write_image(p, 4, 5)
    runner = _runner(tmp_path, data_root)
    outputs = [_sample(p, 4, 5) for p in paths]
    hook.after_val_iter(runner, 0, {}, outputs)  # 1st batch: not drawn
    hook.after_val_iter(runner, 1, {}, outputs)  # 2nd batch: first sample
    files = sorted(
        osp.basename(f) for f in glob.glob(
            str(tmp_path / 'logs' / '**' / '*.png'), recursive=True))
    assert files == ['val_img_0_7.png']


def test_wrong_visualizer_type_is_explained(tmp_path):
    Visualizer.get_instance('plain')
    hook = DepthVisualizationHook(draw=True)
    img_path = str(tmp_path / 'a.png')
    _write_image(img_path, 2, 2)
    with pytest.raises(TypeError, match='DepthLocalVisualizer'):
        hook.after_test_iter(
            _runner(tmp_path, None), 0, {}, [_sample(img_path, 2, 2)])
