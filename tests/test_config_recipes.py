"""The recipe of every reference config, pinned: batch, GPUs, optimiser and
learning rate, schedule length, validation interval, the schedulers as the
Runner builds them (their ``end`` defaults to ``train_cfg.max_iters``), crop,
depth ranges and the model's parts. A refactoring of the config tree (bases,
inheritance) must leave this table unchanged; a recipe change updates the
table, the leaf's header comment and its README together."""
import copy
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.registry import PARAM_SCHEDULERS, init_default_scope

import depth  # noqa: F401  (registers modules)
from depth.registry import DATASETS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')
# Method folders whose leaves are pinned here (every leaf in them must have a
# row in RECIPES).
PINNED_DIRS = ('acan', 'adabins', 'densedepth', 'depthformer', 'lacdepth')


def built_schedulers(cfg):
    """The scheduler configs as ``Runner._build_param_scheduler`` builds them
    for an iteration-based loop: ``end`` defaults to ``train_cfg.max_iters``
    (``by_epoch=False``); OneCycle's ``total_steps`` to ``end - begin`` and
    cosine's ``T_max`` likewise (in the schedulers themselves)."""
    out = []
    for s in cfg.param_scheduler:
        s = copy.deepcopy(dict(s))
        assert s.get('by_epoch') is False, s
        s.setdefault('end', cfg.train_cfg.max_iters)
        s.setdefault('begin', 0)
        if s['type'] == 'OneCycleLR':
            s.setdefault('total_steps', s['end'] - s['begin'])
        if s['type'].startswith('CosineAnnealing'):
            s['T_max'] = s.get('T_max') or s['end'] - s['begin']
        out.append(s)
    return out


def _short(s):
    keys = ('type', 'begin', 'end', 'total_steps', 'T_max', 'eta_max',
            'pct_start', 'step_size', 'gamma', 'power', 'eta_min',
            'eta_min_ratio', 'start_factor')
    return tuple(s[k] for k in keys if k in s)


def _crop(pipeline):
    for t in pipeline:
        if t['type'] == 'RandomCrop':
            return tuple(t['crop_size'])
    return None


def _backbone(model):
    b = model.backbone
    name = b.type
    if 'backbone' in b:  # wrappers (ImagePassthroughBackbone)
        b = b.backbone
        name += '>' + b.type
    return name + (f":{b.model_name}" if 'model_name' in b else '')


def recipe(path):
    """The pinned settings of one leaf config."""
    cfg = Config.fromfile(path)
    opt = cfg.optim_wrapper.optimizer
    clip = cfg.optim_wrapper.get('clip_grad')
    head = cfg.model.decode_head
    # the evaluation range and crop live on the dataset (built lazily: no
    # files are read)
    init_default_scope('depth')
    ev = DATASETS.build(dict(cfg.val_dataloader.dataset,
                             lazy_init=True)).metainfo
    ckpt = cfg.default_hooks.checkpoint
    return dict(
        gpus=cfg.get('num_gpus'),
        batch=cfg.train_dataloader.batch_size,
        base_batch=cfg.auto_scale_lr.base_batch_size,
        opt=(opt.type, opt.lr, opt.get('weight_decay')),
        clip=clip and clip.max_norm,
        iters=cfg.train_cfg.max_iters,
        val=cfg.train_cfg.val_interval,
        ckpt=(ckpt.type, ckpt.interval),
        sched=[_short(s) for s in built_schedulers(cfg)],
        crop=_crop(cfg.train_dataloader.dataset.pipeline),
        depth=(head.min_depth, head.max_depth),
        eval=(ev['min_depth_eval'], ev['max_depth_eval'], ev['crop_type']),
        sync_bn=cfg.get('sync_bn'),
        model=cfg.model.type,
        backbone=_backbone(cfg.model),
        neck=cfg.model.get('neck', {}).get('type'),
        head=head.type)


# yapf: disable
RECIPES = {
    'acan/r101_kitti.py': dict(
        gpus=1, batch=8, base_batch=8, opt=('SGD', 0.0002, 0.0005), clip=None,
        iters=144750, val=14475, ckpt=('CheckpointHook', 14475),
        sched=[('PolyLR', 0, 144750, 0.9, 0.0)], crop=None, depth=(1.0, 80.0),
        eval=(0.001, 80, 'kitti_garg'), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet101',
        neck=None, head='OrdinalRegressionHead',
    ),
    'acan/r101_kitti_official.py': dict(
        gpus=1, batch=5, base_batch=8, opt=('SGD', 0.0002, 0.0005), clip=None,
        iters=222850, val=22285, ckpt=('CheckpointHook', 22285),
        sched=[('PolyLR', 0, 222850, 0.9, 0.0)], crop=(160, 640),
        depth=(1.98, 80.0), eval=(0.001, 80, 'kitti_garg'), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet101',
        neck=None, head='OrdinalRegressionHead',
    ),
    'acan/r101_nyu.py': dict(
        gpus=1, batch=8, base_batch=8, opt=('SGD', 0.0002, 0.0005), clip=None,
        iters=75000, val=7500, ckpt=('CheckpointHook', 7500),
        sched=[('PolyLR', 0, 75000, 0.9, 0.0)], crop=(256, 352),
        depth=(0.5, 10.0), eval=(0.001, 10, 'nyu_eigen'), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet101',
        neck=None, head='OrdinalRegressionHead',
    ),
    'acan/r18_synthetic.py': dict(
        gpus=None, batch=8, base_batch=8, opt=('AdamW', 0.001, 0.01), clip=35,
        iters=1200, val=400, ckpt=('CheckpointHook', 400),
        sched=[('OneCycleLR', 0, 1200, 1200, 0.001, 0.1)], crop=None,
        depth=(1.0, 20.0), eval=(0.001, 20, None), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet18',
        neck=None, head='OrdinalRegressionHead',
    ),
    'acan/r50_kitti.py': dict(
        gpus=1, batch=8, base_batch=8, opt=('SGD', 0.0002, 0.0005), clip=None,
        iters=144750, val=14475, ckpt=('CheckpointHook', 14475),
        sched=[('PolyLR', 0, 144750, 0.9, 0.0)], crop=None, depth=(1.0, 80.0),
        eval=(0.001, 80, 'kitti_garg'), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet50',
        neck=None, head='OrdinalRegressionHead',
    ),
    'acan/r50_nyu.py': dict(
        gpus=1, batch=8, base_batch=8, opt=('SGD', 0.0002, 0.0005), clip=None,
        iters=75000, val=7500, ckpt=('CheckpointHook', 7500),
        sched=[('PolyLR', 0, 75000, 0.9, 0.0)], crop=(256, 352),
        depth=(0.5, 10.0), eval=(0.001, 10, 'nyu_eigen'), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet50',
        neck=None, head='OrdinalRegressionHead',
    ),
    'adabins/efnet-tiny_synthetic.py': dict(
        gpus=None, batch=8, base_batch=8, opt=('AdamW', 0.001, 0.01), clip=35,
        iters=1000, val=250, ckpt=('AtomicCheckpointHook', 250),
        sched=[('OneCycleLR', 0, 1000, 1000, 0.001, 0.1)], crop=None,
        depth=(0.001, 20), eval=(0.001, 20, None), sync_bn=None,
        model='DepthEncoderDecoder',
        backbone='EfficientNetEncoder:test_efficientnet', neck=None,
        head='AdabinsHead',
    ),
    'adabins/efnetb5_kitti.py': dict(
        gpus=2, batch=8, base_batch=16, opt=('AdamW', 0.000357, 0.1), clip=0.1,
        iters=34728, val=1447, ckpt=('AtomicCheckpointHook', 1447),
        sched=[
            ('OneCycleLR', 0, 34728, 34728, 0.000357, 0.3),
            ('CosineAnnealingMomentum', 0, 10418, 10418, 0.85),
            ('CosineAnnealingMomentum', 10418, 34728, 24310, 0.95),
        ],
        crop=(352, 704), depth=(0.001, 80), eval=(0.001, 80, 'kitti_garg'),
        sync_bn='torch', model='DepthEncoderDecoder',
        backbone='EfficientNetEncoder:tf_efficientnet_b5', neck=None,
        head='AdabinsHead',
    ),
    'adabins/efnetb5_nyu.py': dict(
        gpus=2, batch=8, base_batch=16, opt=('AdamW', 0.000357, 0.1), clip=0.1,
        iters=36336, val=1514, ckpt=('AtomicCheckpointHook', 1514),
        sched=[
            ('OneCycleLR', 0, 36336, 36336, 0.000357, 0.3),
            ('CosineAnnealingMomentum', 0, 10900, 10900, 0.85),
            ('CosineAnnealingMomentum', 10900, 36336, 25436, 0.95),
        ],
        crop=(416, 544), depth=(0.001, 10), eval=(0.001, 10, 'nyu_eigen'),
        sync_bn='torch', model='DepthEncoderDecoder',
        backbone='EfficientNetEncoder:tf_efficientnet_b5', neck=None,
        head='AdabinsHead',
    ),
    'adabins/r50_nyu.py': dict(
        gpus=2, batch=8, base_batch=16, opt=('AdamW', 0.0001, 0.01), clip=35,
        iters=36336, val=1514, ckpt=('AtomicCheckpointHook', 1514),
        sched=[('OneCycleLR', 0, 36336, 36336, 0.0001, 0.3)], crop=(416, 544),
        depth=(0.001, 10), eval=(0.001, 10, 'nyu_eigen'), sync_bn='torch',
        model='DepthEncoderDecoder', backbone='TimmBackbone:resnet50',
        neck=None, head='AdabinsHead',
    ),
    'densedepth/mobilenetv2_synthetic.py': dict(
        gpus=None, batch=8, base_batch=8, opt=('AdamW', 0.001, 0.01), clip=35,
        iters=1600, val=800, ckpt=('AtomicCheckpointHook', 800),
        sched=[('OneCycleLR', 0, 1600, 1600, 0.001, 0.1)], crop=None,
        depth=(0.001, 20), eval=(0.001, 20, None), sync_bn=None,
        model='DepthEncoderDecoder', backbone='TimmBackbone:mobilenetv2_100',
        neck=None, head='DenseDepthHead',
    ),
    'depthformer/swinl_kitti.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('AdamW', 0.0001, 0.01), clip=35,
        iters=38400, val=800, ckpt=('AtomicCheckpointHook', 1600),
        sched=[
            ('LinearLR', 0, 12800, 0.001),
            ('CosineAnnealingLR', 0, 38400, 38400, 1e-08),
        ],
        crop=(352, 704), depth=(0.001, 80), eval=(0.001, 80, 'kitti_garg'),
        sync_bn=None, model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'depthformer/swinl_kitti_benchmark.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('AdamW', 0.0001, 0.01), clip=35,
        iters=38400, val=800, ckpt=('AtomicCheckpointHook', 1600),
        sched=[
            ('LinearLR', 0, 12800, 0.001),
            ('CosineAnnealingLR', 0, 38400, 38400, 1e-08),
        ],
        crop=(352, 704), depth=(0.001, 80), eval=(0.001, 88, 'kitti_garg'),
        sync_bn=None, model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'depthformer/swinl_nyu.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('AdamW', 0.0001, 0.01), clip=35,
        iters=38400, val=800, ckpt=('AtomicCheckpointHook', 1600),
        sched=[
            ('LinearLR', 0, 12800, 0.001),
            ('CosineAnnealingLR', 0, 38400, 38400, 1e-08),
        ],
        crop=(416, 544), depth=(0.001, 10), eval=(0.001, 10, 'nyu_eigen'),
        sync_bn=None, model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'depthformer/swinl_nyu2sunrgbd.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('AdamW', 0.0001, 0.01), clip=35,
        iters=38400, val=800, ckpt=('AtomicCheckpointHook', 1600),
        sched=[
            ('LinearLR', 0, 12800, 0.001),
            ('CosineAnnealingLR', 0, 38400, 38400, 1e-08),
        ],
        crop=(416, 544), depth=(0.001, 10), eval=(0.001, 8, 'nyu_eigen'),
        sync_bn=None, model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'depthformer/swint-tiny_synthetic.py': dict(
        gpus=None, batch=8, base_batch=8, opt=('AdamW', 0.001, 0.01), clip=35,
        iters=1000, val=250, ckpt=('AtomicCheckpointHook', 250),
        sched=[
            ('LinearLR', 0, 100, 0.001),
            ('CosineAnnealingLR', 0, 1000, 1000, 0.001),
        ],
        crop=None, depth=(0.001, 20), eval=(0.001, 20, None), sync_bn=None,
        model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'depthformer/swint_nyu.py': dict(
        gpus=2, batch=8, base_batch=16, opt=('AdamW', 6e-05, 0.01), clip=35,
        iters=38400, val=1600, ckpt=('AtomicCheckpointHook', 1600),
        sched=[
            ('LinearLR', 0, 12800, 0.001),
            ('CosineAnnealingLR', 0, 38400, 38400, 1e-08),
        ],
        crop=(416, 544), depth=(0.001, 10), eval=(0.001, 10, 'nyu_eigen'),
        sync_bn=None, model='DepthEncoderDecoder', backbone='DepthFormerSwin',
        neck='HAHIHeteroNeck', head='DenseDepthHead',
    ),
    'lacdepth/mobilenetv2_kitti.py': dict(
        gpus=1, batch=16, base_batch=16, opt=('Adam', 0.0001, 0.0005), clip=35,
        iters=36175, val=1447, ckpt=('CheckpointHook', 1447),
        sched=[('StepLR', 0, 36175, 7235, 0.9)], crop=(352, 704),
        depth=(0.001, 80), eval=(0.001, 80, 'kitti_garg'), sync_bn=None,
        model='DepthEncoderDecoder',
        backbone='ImagePassthroughBackbone>TimmBackbone:mobilenetv2_100',
        neck='LaplacianPyramidNeck', head='AttractorHead',
    ),
    'lacdepth/r101_kitti.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('Adam', 0.0001, 0.0005), clip=35,
        iters=36175, val=1447, ckpt=('CheckpointHook', 1447),
        sched=[('StepLR', 0, 36175, 7235, 0.9)], crop=(352, 704),
        depth=(0.001, 80), eval=(0.001, 80, 'kitti_garg'), sync_bn='torch',
        model='DepthEncoderDecoder',
        backbone='ImagePassthroughBackbone>TimmBackbone:resnet101',
        neck='LaplacianPyramidNeck', head='AttractorHead',
    ),
    'lacdepth/r101_nyu.py': dict(
        gpus=8, batch=2, base_batch=16, opt=('Adam', 0.0001, 0.0005), clip=35,
        iters=37850, val=1514, ckpt=('CheckpointHook', 1514),
        sched=[('StepLR', 0, 37850, 7570, 0.9)], crop=(416, 544),
        depth=(0.001, 10), eval=(0.001, 10, 'nyu_eigen'), sync_bn='torch',
        model='DepthEncoderDecoder',
        backbone='ImagePassthroughBackbone>TimmBackbone:resnet101',
        neck='LaplacianPyramidNeck', head='AttractorHead',
    ),
    'lacdepth/r18_synthetic.py': dict(
        gpus=None, batch=4, base_batch=4, opt=('Adam', 0.001, 0.0005), clip=35,
        iters=800, val=400, ckpt=('CheckpointHook', 400),
        sched=[('OneCycleLR', 0, 800, 800, 0.001, 0.1)], crop=None,
        depth=(0.001, 20), eval=(0.001, 20, None), sync_bn=None,
        model='DepthEncoderDecoder',
        backbone='ImagePassthroughBackbone>TimmBackbone:resnet18',
        neck='LaplacianPyramidNeck', head='AttractorHead',
    ),
}
# yapf: enable


def _leaves():
    return sorted(
        osp.relpath(p, CONFIGS) for d in PINNED_DIRS
        for p in glob.glob(osp.join(CONFIGS, d, '*.py')))


def test_every_pinned_leaf_has_a_row():
    assert _leaves() == sorted(RECIPES)


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_recipe_unchanged(name):
    assert recipe(osp.join(CONFIGS, name)) == RECIPES[name]


def _lr_trace(cfg, n):
    ocfg = copy.deepcopy(dict(cfg.optim_wrapper.optimizer))
    opt = getattr(torch.optim,
                  ocfg.pop('type'))([torch.nn.Parameter(torch.zeros(1))],
                                    **ocfg)
    wrapper = OptimWrapper(opt)
    scheds = []
    for s in cfg.param_scheduler:
        s = copy.deepcopy(dict(s))
        s.setdefault('end', cfg.train_cfg.max_iters)
        scheds.append(
            PARAM_SCHEDULERS.build(s, default_args=dict(optimizer=wrapper)))
    lrs = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]['lr'])
        for s in scheds:
            s.step()
    return lrs


@pytest.mark.filterwarnings('ignore::UserWarning')
@pytest.mark.parametrize(
    'name,iters',
    [
        ('adabins/r50_nyu.py', 400),
        ('densedepth/mobilenetv2_synthetic.py', 400),
        ('lacdepth/r18_synthetic.py', 400),
        # the cosine follows; the 12,800-iteration warm-up stays as it is
        ('depthformer/swint_nyu.py', 19200),
    ])
def test_shorter_run_by_train_cfg_alone(name, iters):
    """Setting only ``train_cfg.max_iters`` (as ``--cfg-options`` does)
    fits the whole OneCycle / cosine decay into the shorter run."""
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    full = _lr_trace(cfg, cfg.train_cfg.max_iters)
    cfg.merge_from_dict({'train_cfg.max_iters': iters})
    short = _lr_trace(cfg, iters)
    assert short[-1] == pytest.approx(full[-1], rel=0.05, abs=1e-12)
    assert max(short) <= max(full) * (1 + 1e-9)


def _lr_text(lr):
    mantissa, exp = f'{lr:e}'.split('e')
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exp)}"  # 3.57e-4


@pytest.mark.parametrize('name', sorted(RECIPES))
def test_header_states_recipe(name):
    """The leading comment of a leaf spells out its GPU count, per-GPU
    batch, learning rate and schedule length (the bases hold the rest)."""
    path = osp.join(CONFIGS, name)
    head = []
    with open(path) as f:
        for line in f:
            if not line.startswith('#'):
                break
            head.append(line)
    head = ' '.join(line.lstrip('# ').rstrip() for line in head)
    row = RECIPES[name]
    assert f"{row['iters']:,}" in head, 'schedule length'
    cfg = Config.fromfile(path)
    lrs = {_lr_text(row['opt'][1])} | {
        _lr_text(s['eta_max'])
        for s in cfg.param_scheduler if 'eta_max' in s
    }
    assert any(lr in head for lr in lrs), f'learning rate {lrs}'
    b = row['batch']
    assert re.search(rf'batch {b}\b|x {b}\b|\b{b} images', head), 'batch'
    n = row['gpus']
    gpus = rf'GPUs: {n}\b|\b{n} GPUs?\b' if n else r'\b1 process\b'
    assert re.search(gpus, head), 'GPU count'
