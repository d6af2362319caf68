"""Convert a checkpoint of the original Monocular-Depth-Estimation-Toolbox.

Usage::

    python tools/model_converters/mdet2depth.py SRC DST [--config CONFIG]
        [--family depthformer] [--verbose]

``SRC`` is an mmcv 1.x ``save_checkpoint`` file of the original toolbox
(e.g. ``depthformer_swinl_22k_w7_kitti.pth``); it is read with
``torch.load(weights_only=True)`` and a minimal allow-list (see
``depth/converters/release_io.py``), so it cannot run code. The model
family is recognised from the keys (or given with ``--family``), its key
rules are applied (``depth/converters/mdet.py``), and the result is loaded
strictly into the model of ``CONFIG`` (by default the recipe config named
by the file name: ``swinl`` / ``swint`` and ``kitti`` / ``nyu`` /
``benchmark`` / ``sunrgbd``): any missing, unexpected or mis-shaped key is
an error. ``DST`` then evaluates with ``python tools/test.py CONFIG DST``.
"""
# isort: skip_file (sys.path is set before the depth imports)
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from depth.converters import save_checked  # noqa: E402
from depth.converters.converter_cli import (  # noqa: E402
    converter_parser, log_key_changes, read_release_state_dict,
    report_conversion)
from depth.converters.mdet import (  # noqa: E402
    MDET_FAMILIES, convert_mdet_state_dict, guess_release_config)


def parse_args(argv=None) -> argparse.Namespace:
    parser = converter_parser(
        'Convert an original Monocular-Depth-Estimation-Toolbox checkpoint '
        'to this toolbox', 'released checkpoint (.pth)')
    parser.add_argument(
        '--config',
        help='our config of the model (default: guessed from SRC\'s name)')
    parser.add_argument(
        '--family',
        choices=sorted(MDET_FAMILIES),
        help='model family (default: recognised from the keys)')
    parser.add_argument(
        '--verbose', action='store_true', help='log every renamed key')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    state = read_release_state_dict(args.src, wrappers=('state_dict', ))
    log = []
    converted, family = convert_mdet_state_dict(
        state, args.family, source=args.src, log=log)
    log_key_changes(log, args.verbose)
    config = args.config or guess_release_config(family, args.src)
    if config is None:
        raise SystemExit(
            f'{args.src}: cannot tell the release from the file name; pass '
            f'--config (one of {sorted(family.configs.values())} under '
            'configs/)')
    save_checked(
        converted,
        config,
        args.src,
        args.dst,
        converter='tools/model_converters/mdet2depth.py',
        extra_meta=dict(family=family.name))
    report_conversion(
        args.src,
        args.dst,
        converted,
        log,
        'renamed or dropped',
        config,
        what=family.name)


if __name__ == '__main__':
    main()
