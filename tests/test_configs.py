"""Every leaf config builds with pretrained weights off and takes one loss
(with backward) and one predict step on a tiny CPU batch."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData

from depth.registry import MODELS
from depth.structures import DepthDataSample

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def pretrained_off(cfg):
    """Switch off every pretrained weight in a model config, in place."""
    if isinstance(cfg, dict):
        for key in list(cfg.keys()):
            if key == 'pretrained':
                cfg[key] = None
            elif key == 'init_cfg' and isinstance(cfg[key], dict) and \
                    cfg[key].get('type') == 'Pretrained':
                cfg[key] = None
            else:
                pretrained_off(cfg[key])
    elif isinstance(cfg, (list, tuple)):
        for item in cfg:
            pretrained_off(item)
    return cfg


def tiny_batch(h=64, w=96, n=2, max_depth=10.):
    g = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(
            torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        gt = torch.rand(1, h, w, generator=g) * (max_depth - 1) + 0.5
        gt[:, :h // 4] = 0  # an invalid band, as sky / missing LiDAR
        # class_label: the scene class of heads with a scene query
        s = DepthDataSample(
            metainfo=dict(img_shape=(h, w), ori_shape=(h, w), class_label=1))
        s.gt_depth_map = PixelData(data=gt)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_configs_found():
    assert len(CONFIGS) >= 1


@pytest.mark.parametrize(
    'path', CONFIGS, ids=[osp.relpath(p, ROOT) for p in CONFIGS])
def test_config_builds_and_steps(path):
    torch.manual_seed(0)
    cfg = Config.fromfile(path)
    assert cfg.get('default_scope') == 'depth', 'leaf configs must inherit ' \
        'configs/_base_/default_runtime.py'
    for key in ('train_dataloader', 'val_dataloader', 'val_evaluator',
                'optim_wrapper', 'param_scheduler', 'train_cfg'):
        assert key in cfg, f'{path} has no {key}'
    model = MODELS.build(pretrained_off(cfg.model))
    model.init_weights()
    max_depth = getattr(model.decode_head, 'max_depth', None) or 10.
    data = model.data_preprocessor(tiny_batch(max_depth=max_depth), True)
    model.train()
    losses = model(**data, mode='loss')
    assert losses and all(
        k.split('.')[-1].startswith('loss_') for k in losses), losses.keys()
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total), losses
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(tiny_batch(max_depth=max_depth), False)
        preds = model(**data, mode='predict')
    for p in preds:
        d = p.pred_depth_map.data
        assert d.shape == (1, 64, 96)
        assert torch.isfinite(d).all()
        lo, hi = model.depth_range()
        if lo is not None:
            assert d.min() >= lo - 1e-6
        if hi is not None:
            assert d.max() <= hi + 1e-6
