"""``--cfg-options`` of the tools, with a check of the top-level keys."""
import difflib
from typing import Mapping

from mmengine.config import Config


def merge_cfg_options(cfg: Config, options: Mapping[str, object]) -> None:
    """Merge ``--cfg-options`` into ``cfg`` after checking that the first
    component of every key exists in it.

    mmengine would create ``trian_cfg.max_iters`` silently and train with
    the unchanged ``train_cfg``. Deeper components are not checked: a config
    may legitimately gain a new argument there (e.g. a dataset option).

    Args:
        cfg (Config): The config, changed in place.
        options (Mapping[str, object]): ``{'a.b.c': value}`` as parsed by
            mmengine's ``DictAction``.

    Raises:
        ValueError: Naming the unknown key and the closest existing ones.
    """
    for key in options:
        top = key.split('.')[0]
        if top not in cfg:
            close = difflib.get_close_matches(top, list(cfg.keys()), n=3)
            hint = f'; did you mean {close}?' if close else ''
            raise ValueError(
                f'--cfg-options {key}: the config {cfg.filename} has no '
                f'top-level key {top!r}{hint}')
    cfg.merge_from_dict(dict(options))
