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
