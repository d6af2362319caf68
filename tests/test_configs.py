"""Every leaf config builds with pretrained weights off and takes one loss
(with backward) and one predict step on a tiny CPU batch."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from depth.apis import pretrained_off
from depth.registry import MODELS
from depth.testing import demo_batch

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(
        osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


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
    # class_label: the scene class of heads with a scene query
    data = model.data_preprocessor(
        demo_batch(max_depth=max_depth, class_label=1), True)
    model.train()
    losses = model(**data, mode='loss')
    assert losses and all(
        k.split('.')[-1].startswith('loss_') for k in losses), losses.keys()
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total), losses
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            demo_batch(max_depth=max_depth, class_label=1), False)
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
