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

from mmengine.logging import print_log

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from depth.converters import (
    load_release,
    save_checked,  # noqa: E402
    unwrap_state_dict)
from depth.converters.mdet import (
    MDET_FAMILIES,  # noqa: E402
    convert_mdet_state_dict,
    guess_release_config)
from depth.converters.release_io import describe_meta  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an original Monocular-Depth-Estimation-Toolbox '
        'checkpoint to this toolbox')
    parser.add_argument('src', help='released checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint (.pth)')
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
    ckpt = load_release(args.src)
    for line in describe_meta(ckpt):
        print_log(f'{args.src}: {line}', logger='current')
    state = unwrap_state_dict(ckpt, args.src, wrappers=('state_dict', ))
    log = []
    converted, family = convert_mdet_state_dict(
        state, args.family, source=args.src, log=log)
    if args.verbose:
        for line in log:
            print_log(line, logger='current')
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
    print_log(
        f'{args.src} -> {args.dst}: {family.name}, {len(converted)} tensors, '
        f'{len(log)} keys renamed or dropped, loads strictly into {config}',
        logger='current')


if __name__ == '__main__':
    main()
