"""Config handling shared by the tools: ``--cfg-options`` (with a check of
the top-level keys), the launcher arguments and the run config."""
import copy
import difflib
import os
import os.path as osp
from argparse import ArgumentParser, Namespace
from typing import Any, Mapping, Optional, Sequence

from mmengine.config import Config, DictAction


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction`` with two fixes for ``--cfg-options``.

    - An item without ``=`` is an argparse error naming it (mmengine raises
      a bare ``ValueError: not enough values to unpack``).
    - A plain value keeps its spaces: ``'data_root=/x/my data'`` gives
      ``'/x/my data'`` (mmengine removes every space, giving
      ``'/x/mydata'``). Lists and tuples (``[1,2]``, ``(352,1216)``, values
      with commas) are parsed by mmengine as before.
    """

    def __call__(self,
                 parser: ArgumentParser,
                 namespace: Namespace,
                 values: Optional[Sequence[Any]],
                 option_string: Optional[str] = None) -> None:
        options = copy.copy(getattr(namespace, self.dest, None) or {})
        for kv in values or []:
            if '=' not in kv:
                parser.error(f'{option_string or "--cfg-options"}: {kv!r} is '
                             'not KEY=VALUE')
            key, val = kv.split('=', maxsplit=1)
            plain = val.strip('\'"')
            if plain[:1] in '([' or ',' in plain:
                options[key] = self._parse_iterable(val)
            else:
                options[key] = self._parse_int_float_bool(plain)
        setattr(namespace, self.dest, options)


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


def load_config(path: str,
                cfg_options: Optional[Mapping[str, object]] = None) -> Config:
    """Load a config file and merge ``--cfg-options`` into it (checked by
    :func:`merge_cfg_options`).

    Args:
        path (str): The config file.
        cfg_options (Mapping[str, object], optional): Parsed
            ``--cfg-options``; None or empty: none.

    Returns:
        Config: The config.
    """
    cfg = Config.fromfile(path)
    if cfg_options:
        merge_cfg_options(cfg, cfg_options)
    return cfg


def add_cfg_options_argument(parser: ArgumentParser,
                             help: str = 'override config settings') -> None:
    """Add the tools' ``--cfg-options KEY=VALUE ...``
    (:class:`CfgOptionsAction`; merge with :func:`merge_cfg_options`)."""
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptionsAction, help=help)


def add_launcher_arguments(parser: ArgumentParser) -> None:
    """Add ``--launcher`` and ``--local_rank`` of tools/train.py and
    tools/test.py (see :func:`load_run_config`)."""
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_run_config(args: Namespace) -> Config:
    """The config of a training or test run from the parsed arguments.

    ``args.config`` is loaded, ``args.cfg_options`` merged (checked by
    :func:`merge_cfg_options`), ``args.launcher`` set, ``LOCAL_RANK`` taken
    from ``args.local_rank`` unless the launcher set it, and ``work_dir``
    is ``args.work_dir``, else the config's, else
    ``./work_dirs/<config name>``.

    Args:
        args (Namespace): With ``config``, ``cfg_options``, ``launcher``,
            ``local_rank`` and ``work_dir``.

    Returns:
        Config: The config, ready for :class:`mmengine.runner.Runner`.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = load_config(args.config, args.cfg_options)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg
