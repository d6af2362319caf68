"""The code in docs/add_modules.md works as written: its ``# file:`` blocks
are written to a temporary project, the config's ``custom_imports`` import
them, and the model takes a loss step (with backward) and a predict step."""
import os.path as osp
import re
import sys

import pytest
import torch
from mmengine.config import Config

from depth.registry import MODELS
from depth.testing import REPO_ROOT, demo_batch, loss_and_predict

ROOT = REPO_ROOT
DOC = osp.join(ROOT, 'docs', 'add_modules.md')
BLOCK = re.compile(r'```python\n# file: (\S+)\n(.*?)```', re.S)
REGISTERED = ('TinyConvBackbone', 'LateralConvNeck', 'SimpleConvHead',
              'DeepSupervisionHead', 'BerHuLoss')


def doc_files():
    with open(DOC, encoding='utf-8') as f:
        return dict(BLOCK.findall(f.read()))


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Write the doc's files under tmp_path, make `my_project` importable,
    and unregister its modules afterwards."""
    files = doc_files()
    for rel, code in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.startswith('configs/'):
            # the doc's config sits in configs/my_project/ of the repo
            code = code.replace('../_base_/',
                                osp.join(ROOT, 'configs', '_base_') + '/')
        path.write_text(code)
    (tmp_path / 'my_project' / '__init__.py').write_text('')
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path, files
    for name in REGISTERED:
        MODELS._module_dict.pop(name, None)
    for mod in [m for m in sys.modules if m.split('.')[0] == 'my_project']:
        del sys.modules[mod]


def step(model, h=64, w=96):
    losses, preds = loss_and_predict(model,
                                     demo_batch(h=h, w=w, max_depth=20.),
                                     demo_batch(n=1, h=h, w=w, max_depth=20.))
    assert all(k.split('.', 1)[1].startswith('loss_') for k in losses)
    assert preds[0].pred_depth_map.shape == (h, w)
    return losses


def test_doc_has_the_expected_blocks():
    files = doc_files()
    assert set(files) == {
        'my_project/tiny_conv_backbone.py', 'my_project/lateral_conv_neck.py',
        'my_project/simple_conv_head.py',
        'my_project/deep_supervision_head.py', 'my_project/berhu_loss.py',
        'configs/my_project/tiny_synthetic.py'
    }


def test_doc_config_with_custom_imports_trains_one_step(project):
    tmp, _ = project
    cfg = Config.fromfile(str(tmp / 'configs/my_project/tiny_synthetic.py'))
    assert cfg.default_scope == 'depth'
    assert 'my_project.berhu_loss' in sys.modules  # custom_imports ran
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    losses = step(model)
    # the finest level has the plain names, coarser ones a suffix
    assert set(losses) == {
        f'decode.loss_{n}{s}'
        for n in ('sig', 'berhu')
        for s in ('', '_s1', '_s2', '_s3', '_s4')
    }
    # every part got a gradient
    for part in (model.backbone, model.neck, model.decode_head):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in part.parameters()), type(part).__name__
    # the raw head output (all levels) through mode='tensor'
    with torch.no_grad():
        out = model(torch.zeros(1, 3, 64, 96), mode='tensor')
    assert [tuple(o.shape[-2:]) for o in out] == [(32, 48), (16, 24), (8, 12),
                                                  (4, 6), (2, 3)]


def test_doc_simple_head_and_berhu_values(project):
    tmp, _ = project
    cfg = Config.fromfile(str(tmp / 'configs/my_project/tiny_synthetic.py'))
    import my_project.simple_conv_head  # noqa: F401
    cfg.model.decode_head = dict(
        type='SimpleConvHead',
        in_channels=[32] * 5,
        channels=16,
        max_depth=20,
        scale_up=True,
        loss_decode=dict(type='SigLoss'))
    losses = step(MODELS.build(cfg.model))
    assert set(losses) == {'decode.loss_sig'}

    loss = MODELS.build(dict(type='BerHuLoss', threshold=0.5))
    pred = torch.tensor([1., 2., 5., 9.]).view(1, 1, 2, 2)
    gt = torch.tensor([2., 2., 1., 0.]).view(1, 1, 2, 2)
    # valid errors 1, 0, 4; c = 0.5 * 4 = 2: losses 1, 0, (16 + 4) / 4 = 5
    assert torch.isclose(loss(pred, gt), torch.tensor(2.))
    empty = loss(pred.requires_grad_(), torch.zeros_like(gt))
    assert empty.item() == 0 and empty.requires_grad
    with pytest.raises(ValueError, match='loss_'):
        MODELS.build(dict(type='BerHuLoss', loss_name='berhu'))
