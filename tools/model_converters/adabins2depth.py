"""Convert an official AdaBins release (shariqfarooq123/AdaBins).

Usage::

    python tools/model_converters/adabins2depth.py SRC DST
        [--config CONFIG | --dataset {nyu,kitti}] [--verbose]

    # e.g.
    python tools/model_converters/adabins2depth.py \\
        pretrained/AdaBins_nyu.pt checkpoints/adabins_efnetb5_nyu.pth
    python tools/test.py configs/adabins/efnetb5_nyu.py \\
        checkpoints/adabins_efnetb5_nyu.pth --tta

``SRC`` is a release file of the original code (``AdaBins_nyu.pt``,
``AdaBins_kitti.pt``: ``{'model', 'optimizer', 'epoch'}`` with
``module.``-prefixed keys; older releases with the old key names
``embedding_conv`` / ``embedding_encoder`` are accepted). It is read with
``torch.load(weights_only=True)`` and a minimal allow-list (see
``depth/converters/release_io.py``), so it cannot run code; only ``model``
is converted (``optimizer`` is ignored). The key rules and the folding of
the decoder's conv biases into its BatchNorms are in
``depth/converters/adabins.py``.

The result is loaded strictly into the model of ``CONFIG`` (pretrained
weights switched off): by default ``configs/adabins/efnetb5_nyu.py`` or
``efnetb5_kitti.py``, chosen by ``--dataset`` or else by ``nyu`` / ``kitti``
in ``SRC``'s file name. Any missing, unexpected or mis-shaped key is an
error listing the keys. ``DST`` (``{'meta', 'state_dict'}``) then evaluates
with ``python tools/test.py CONFIG DST`` and gives the original code's
predictions.
"""
# isort: skip_file (sys.path is set before the depth imports)
import argparse
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from depth.converters import save_checked  # noqa: E402
from depth.converters.adabins import (  # noqa: E402
    ADABINS_CONFIGS, adabins_release_config, convert_adabins_state_dict,
    guess_adabins_dataset)
from depth.converters.converter_cli import (  # noqa: E402
    converter_parser, log_key_changes, read_release_state_dict,
    report_conversion)

CONVERTER = 'tools/model_converters/adabins2depth.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = converter_parser(
        'Convert an official AdaBins release (shariqfarooq123/AdaBins) to '
        'this toolbox', 'released checkpoint (AdaBins_*.pt)')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--config',
        help='our config of the model (default: the recipe config of '
        '--dataset)')
    group.add_argument(
        '--dataset',
        choices=sorted(ADABINS_CONFIGS),
        help='which release (default: from SRC\'s file name)')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='log every renamed, folded or dropped key')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    config = args.config
    if config is None:
        dataset = args.dataset or guess_adabins_dataset(args.src)
        if dataset is None:
            raise SystemExit(
                f'{args.src}: cannot tell the release (nyu or kitti) from '
                'the file name; pass --dataset or --config')
        config = adabins_release_config(dataset)
    state = read_release_state_dict(args.src, wrappers=('model', ))
    log = []
    converted = convert_adabins_state_dict(state, source=args.src, log=log)
    log_key_changes(log, args.verbose)
    save_checked(converted, config, args.src, args.dst, converter=CONVERTER)
    report_conversion(args.src, args.dst, converted, log,
                      'renamed, folded or dropped', config)


if __name__ == '__main__':
    main()
