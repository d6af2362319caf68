"""Every leaf config builds with pretrained weights off and takes one loss
(with backward) and one predict step on a tiny CPU batch.

Leaves whose models differ only in the depth range (a recipe on NYU and on
KITTI, a release config and its fine-tuning config) share one step: the
first leaf of each architecture takes it, the others are checked to load
and to have the training keys. That keeps ViT-L and Swin-L to one step
each and the suite within minutes."""
import glob
import json
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


def architecture(cfg: Config) -> str:
    """The model config without its depth range, pretrained weights and
    test mode, as a string: equal for leaves with the same network."""

    def strip(d):
        if isinstance(d, dict):
            return {
                k: strip(v)
                for k, v in d.items()
                if k not in ('min_depth', 'max_depth', 'pretrained',
                             'init_cfg', 'test_cfg')
            }
        if isinstance(d, (list, tuple)):
            return [strip(x) for x in d]
        return d

    return json.dumps(strip(cfg.model.to_dict()), sort_keys=True, default=str)


def _first_of_each_architecture():
    first = {}
    for path in CONFIGS:
        first.setdefault(architecture(Config.fromfile(path)), path)
    return set(first.values())


STEPPED = _first_of_each_architecture()


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
    if path not in STEPPED:
        return  # the same network took its step with another leaf
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
