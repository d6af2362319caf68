import pytest
from mmengine.config import Config

from depth.utils.cfg_options import merge_cfg_options


def test_unknown_top_level_key_is_an_error():
    cfg = Config(dict(train_cfg=dict(max_iters=10), model=dict(a=1)))
    merge_cfg_options(cfg, {'train_cfg.max_iters': 2, 'model.b.c': 3})
    assert cfg.train_cfg.max_iters == 2 and cfg.model.b.c == 3
    with pytest.raises(ValueError, match=r"'trian_cfg'.*\['train_cfg'\]"):
        merge_cfg_options(cfg, {'trian_cfg.max_iters': 5})
    assert cfg.train_cfg.max_iters == 2


def _parse(*items):
    import argparse

    from depth.utils.cfg_options import CfgOptionsAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    return parser.parse_args(['--cfg-options', *items]).cfg_options


def test_cfg_options_action_keeps_spaces_and_parses_values():
    opts = _parse('data_root=/x/my data', 'a=1', 'b=1e-4', 'c=True', 'd=None',
                  'e=(352,1216)', 'f=[1, 2]', "g='quoted'")
    assert opts == {
        'data_root': '/x/my data',
        'a': 1,
        'b': 1e-4,
        'c': True,
        'd': None,
        'e': (352, 1216),
        'f': [1, 2],
        'g': 'quoted'
    }


def test_cfg_options_action_item_without_equals(capsys):
    with pytest.raises(SystemExit):
        _parse('train_cfg.max_iters')
    assert "'train_cfg.max_iters' is not KEY=VALUE" in capsys.readouterr().err
