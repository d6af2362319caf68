"""The set-up the model benchmarks share: threads, the config with its
--cfg-options, pretrained weights off, the GPU check; and the dataset
inside dataset wrappers."""
from argparse import Namespace

import pytest
import torch
from mmengine.config import Config

from depth.apis.benchmark_setup import innermost_dataset, prepare_benchmark

CONFIG = '''
model = dict(
    type='DepthEncoderDecoder',
    backbone=dict(type='TimmBackbone', pretrained='pretrain/x.pth'),
    decode_head=dict(
        type='DenseDepthHead',
        max_depth=10.,
        init_cfg=[dict(type='Pretrained', checkpoint='pretrain/h.pth'),
                  dict(type='Normal', std=0.01)]))
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        type='RepeatDataset',
        times=3,
        dataset=dict(type='KITTIDataset', pipeline=[dict(type='KBCrop')])))
'''


@pytest.fixture
def threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def _args(path, **kw):
    return Namespace(**dict(
        dict(
            config=str(path),
            cfg_options={'model.decode_head.max_depth': 80.},
            threads=1,
            device='cpu'), **kw))


def test_prepare_benchmark_loads_with_options_and_no_pretrained(
        tmp_path, threads):
    path = tmp_path / 'cfg.py'
    path.write_text(CONFIG)
    cfg = prepare_benchmark(_args(path), 'bench.py')
    assert torch.get_num_threads() == 1
    assert cfg.model.decode_head.max_depth == 80.
    assert cfg.model.backbone.pretrained is None
    assert [c['type'] for c in cfg.model.decode_head.init_cfg] == ['Normal']


def test_prepare_benchmark_uses_a_loaded_config(tmp_path, threads):
    path = tmp_path / 'cfg.py'
    path.write_text(CONFIG)
    loaded = Config.fromfile(str(path))
    loaded.model.decode_head.max_depth = 7.
    cfg = prepare_benchmark(_args(path, threads=None), 'bench.py', loaded)
    assert cfg is loaded and cfg.model.decode_head.max_depth == 7.
    assert cfg.model.backbone.pretrained is None


def test_prepare_benchmark_refuses_cuda_without_gpu(tmp_path, monkeypatch):
    path = tmp_path / 'cfg.py'
    path.write_text(CONFIG)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(
            SystemExit, match='^bench.py: --device cuda but no '
            'GPU$'):
        prepare_benchmark(_args(path, threads=None, device='cuda'), 'bench.py')


def test_innermost_dataset_unwraps_dataset_wrappers():
    cfg = Config(
        dict(
            train_dataloader=dict(
                dataset=dict(
                    type='RepeatDataset',
                    dataset=dict(
                        type='ClassBalancedDataset',
                        dataset=dict(type='NYUDataset', img_size=(8, 8))))),
            test_dataloader=dict(dataset=dict(type='KITTIDataset'))))
    assert innermost_dataset(cfg, 'train') == dict(
        type='NYUDataset', img_size=(8, 8))
    assert innermost_dataset(cfg, 'test').type == 'KITTIDataset'
