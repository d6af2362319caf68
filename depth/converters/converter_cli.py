"""The command line shared by ``tools/model_converters/*``: the ``SRC DST``
arguments, reading a release's state dict (its meta logged), logging the
key changes under ``--verbose`` and the closing summary line."""
import argparse
from typing import Dict, Iterable, List, Optional

from mmengine.logging import print_log
from torch import Tensor

from .release_io import describe_meta, load_release, unwrap_state_dict


def converter_parser(description: str,
                     src_help: str) -> argparse.ArgumentParser:
    """An argument parser with the positional ``src`` and ``dst`` of every
    converter.

    Args:
        description (str): The converter's description.
        src_help (str): Help of ``src`` (which release files it reads).

    Returns:
        argparse.ArgumentParser: Add the converter's own options to it.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help=src_help)
    parser.add_argument('dst', help='output checkpoint (.pth)')
    return parser


def read_release_state_dict(src: str,
                            wrappers: Iterable[str]) -> Dict[str, Tensor]:
    """Read a release safely (:func:`load_release`), log what its meta says
    (``SRC: epoch: 24``) and return its model's tensors.

    Args:
        src (str): The released file.
        wrappers (Iterable[str]): Keys that may hold the state dict (see
            :func:`unwrap_state_dict`).

    Returns:
        dict[str, Tensor]: Flat state dict, ``module.`` prefixes removed.
    """
    ckpt = load_release(src)
    for line in describe_meta(ckpt):
        print_log(f'{src}: {line}', logger='current')
    return unwrap_state_dict(ckpt, src, wrappers=tuple(wrappers))


def log_key_changes(log: List[str], verbose: bool) -> None:
    """Log every key change a conversion recorded, when ``verbose``.

    Args:
        log (list[str]): The lines the conversion appended.
        verbose (bool): The converter's ``--verbose``.
    """
    if verbose:
        for line in log:
            print_log(line, logger='current')


def report_conversion(src: str,
                      dst: str,
                      converted: Dict[str, Tensor],
                      log: List[str],
                      changed: str,
                      into: str,
                      what: Optional[str] = None) -> None:
    """Log the closing line of a conversion: ``SRC -> DST: [WHAT, ]N
    tensors, M keys CHANGED, loads strictly into INTO``.

    Args:
        src (str): The released file.
        dst (str): The written checkpoint.
        converted (dict[str, Tensor]): The converted tensors.
        log (list[str]): The key changes recorded.
        changed (str): What the changes were (``'renamed or dropped'``).
        into (str): What the result was loaded into (the config).
        what (str, optional): What was converted (a model family).
    """
    head = f'{what}, ' if what else ''
    print_log(
        f'{src} -> {dst}: {head}{len(converted)} tensors, {len(log)} keys '
        f'{changed}, loads strictly into {into}',
        logger='current')
