"""DepthMetric, DepthLocalVisualizer and DepthVisualizationHook inside a real
mmengine test loop (what ``tools/test.py --show-dir`` runs)."""
import glob
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.model import BaseModel
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer
from torch.utils.data import Dataset

from depth.structures import DepthDataSample


class _ToyDepthDataset(Dataset):
    """Three 6x8 images; GT 2 m except an invalid first row."""
    metainfo = dict(min_depth_eval=1e-3, max_depth_eval=10., crop_type=None)

    def __init__(self, data_root):
        self.data_root = data_root
        self.paths = []
        for i in range(3):
            path = osp.join(data_root, f'scene_{i}', 'rgb.png')
            img = np.full((6, 8, 3), 40 * i, np.uint8)
            os.makedirs(osp.dirname(path), exist_ok=True)
            cv2.imwrite(path, img)
            self.paths.append(path)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, idx):
        gt = torch.full((1, 6, 8), 2.)
        gt[:, 0] = 0.
        sample = DepthDataSample(metainfo=dict(img_path=self.paths[idx]))
        sample.gt_depth_map = PixelData(data=gt)
        return dict(inputs=torch.zeros(3, 6, 8), data_samples=sample)


class _ToyDepther(BaseModel):
    """Predicts 2.4 m everywhere: abs_rel 0.2, rmse 0.4, d1 1 (1.2 < 1.25)."""

    def __init__(self):
        super().__init__()
        self.param = torch.nn.Parameter(torch.zeros(1))

    def forward(self, inputs, data_samples=None, mode='tensor'):
        for sample in data_samples:
            sample.pred_depth_map = PixelData(data=torch.full((1, 6, 8), 2.4))
        return data_samples


@pytest.fixture(autouse=True)
def clear_globals():
    yield
    Visualizer._instance_dict.clear()
    DefaultScope._instance_dict.clear()
    MMLogger._instance_dict.clear()


def test_test_loop_metrics_and_show_dir(tmp_path):
    runner = Runner(
        model=_ToyDepther(),
        work_dir=str(tmp_path / 'work'),
        test_dataloader=dict(
            dataset=_ToyDepthDataset(str(tmp_path / 'data')),
            sampler=dict(type='DefaultSampler', shuffle=False),
            batch_size=2,
            num_workers=0,
            collate_fn=dict(type='pseudo_collate')),
        test_cfg=dict(),
        test_evaluator=dict(
            type='DepthMetric', depth_metrics=['abs_rel', 'rmse', 'd1']),
        default_hooks=dict(
            visualization=dict(
                type='DepthVisualizationHook', draw=True, show_dir='vis')),
        visualizer=dict(type='DepthLocalVisualizer', style='plain'),
        default_scope='depth')
    metrics = runner.test()
    assert metrics['abs_rel'] == pytest.approx(0.2)
    assert metrics['rmse'] == pytest.approx(0.4)
    assert metrics['d1'] == pytest.approx(1.)
    files = sorted(
        glob.glob(osp.join(runner.work_dir, runner.timestamp, 'vis', '*')))
    assert [osp.basename(f)
            for f in files] == [f'scene_{i}_rgb.png' for i in range(3)]
    panel = cv2.imread(files[1])
    assert panel.shape == (6, 24, 3)
    assert (panel[:, :8] == 40).all()  # the image itself
    assert (panel[0, 8:16] == 128).all()  # invalid GT row is grey
