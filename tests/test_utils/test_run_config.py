"""The run config of tools/train.py and tools/test.py
(depth.utils.cfg_options.load_run_config and the shared arguments)."""
import argparse
import os
import os.path as osp

import pytest

from depth.testing import CONFIG_ROOT
from depth.utils.cfg_options import (add_cfg_options_argument,
                                     add_launcher_arguments, load_run_config)

DEMO = osp.join(CONFIG_ROOT, 'densedepth', 'mobilenetv2_synthetic.py')


def _parse(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument('config')
    parser.add_argument('--work-dir')
    add_cfg_options_argument(parser)
    add_launcher_arguments(parser)
    return parser.parse_args(argv)


def test_work_dir_options_and_launcher(monkeypatch):
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = _parse([
        DEMO, '--cfg-options', 'train_cfg.max_iters=7',
        'model.decode_head.max_depth=15', '--local-rank', '3'
    ])
    cfg = load_run_config(args)
    assert cfg.work_dir == osp.join('./work_dirs', 'mobilenetv2_synthetic')
    assert cfg.train_cfg.max_iters == 7
    assert cfg.model.decode_head.max_depth == 15
    assert cfg.launcher == 'none'
    assert os.environ['LOCAL_RANK'] == '3'
    # a launcher's LOCAL_RANK wins over the argument
    monkeypatch.setenv('LOCAL_RANK', '1')
    cfg = load_run_config(_parse([DEMO, '--work-dir', 'wd']))
    assert os.environ['LOCAL_RANK'] == '1' and cfg.work_dir == 'wd'


def test_unknown_top_level_key_is_an_error():
    with pytest.raises(ValueError, match="'trian_cfg'.*train_cfg"):
        load_run_config(_parse([DEMO, '--cfg-options', 'trian_cfg.x=1']))
