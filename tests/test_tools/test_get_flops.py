"""tools/analysis_tools/get_flops.py counts parameters with pretrained
weights off; its --cfg-options are checked like train.py's."""
import os.path as osp

import torch

from depth.registry import MODELS
from depth.testing import REPO_ROOT, get_config, run_tool

ROOT = REPO_ROOT
TOOL = osp.join(ROOT, 'tools', 'analysis_tools', 'get_flops.py')
CONFIG = 'densedepth/mobilenetv2_synthetic.py'


def _run(*args):
    return run_tool(TOOL, *args, timeout=300)


def test_params_only_total_matches_the_built_model():
    proc = _run(osp.join('configs', CONFIG), '--params-only')
    assert proc.returncode == 0, proc.stderr[-2000:]
    model = MODELS.build(get_config(CONFIG).model)
    total = sum(p.numel() for p in model.parameters())
    assert f'{total:,d}' in proc.stdout
    assert torch.is_tensor(next(model.parameters()))


def test_misspelled_cfg_option_is_an_error():
    proc = _run(
        osp.join('configs', CONFIG), '--params-only', '--cfg-options',
        'modle.decode_head.channels=8')
    assert proc.returncode != 0
    assert "no top-level key 'modle'" in proc.stderr
