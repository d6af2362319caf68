"""Convert a Depth Anything V2 release (DepthAnything/Depth-Anything-V2).

Usage::

    python tools/model_converters/depth_anything_v2_to_depth.py SRC DST
        [--mode {metric,encoder}] [--config CONFIG |
         --dataset {hypersim,vkitti}] [--verbose]

    # a released metric model, evaluated as it is:
    python tools/model_converters/depth_anything_v2_to_depth.py \\
        pretrained/depth_anything_v2_metric_hypersim_vitl.pth \\
        checkpoints/depth_anything_v2_vitl_hypersim.pth
    python tools/test.py configs/depth_anything_v2/vitl_hypersim.py \\
        checkpoints/depth_anything_v2_vitl_hypersim.pth
    # a relative-depth encoder as a fine-tuning start:
    python tools/model_converters/depth_anything_v2_to_depth.py \\
        pretrained/depth_anything_v2_vitl.pth \\
        pretrain/depth_anything_v2_vitl_encoder.pth
    bash tools/dist_train.sh configs/depth_anything_v2/vitl_kitti.py 8

``SRC`` is a bare state dict of the original ``DepthAnythingV2``
(``pretrained.*`` encoder, ``depth_head.*`` DPT head), as released, or a
checkpoint of the original ``metric_depth/train.py`` (its ``model``, with
``module.`` keys). It is read with ``torch.load(weights_only=True)`` (see
``depth/converters/release_io.py``). The key rules are in
``depth/converters/depth_anything_v2.py``.

``--mode metric`` (the default for file names containing ``metric``)
converts the whole model and loads it strictly into ``CONFIG``: by default
``configs/depth_anything_v2/<arch>_{hypersim,vkitti2}.py``, the size from
the encoder's width and the dataset from ``--dataset`` or the file name.
``--mode encoder`` (the default otherwise: the relative-depth releases)
keeps only the encoder, as the original fine-tuning does, loads it
strictly into the backbone of ``CONFIG`` (default
``configs/depth_anything_v2/<arch>_kitti.py``) and writes a file for
``model.backbone.pretrained`` (the fine-tuning configs read
``pretrain/depth_anything_v2_<arch>_encoder.pth``). Any missing,
unexpected or mis-shaped key is an error listing the keys.
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
from depth.converters.depth_anything_v2 import (  # noqa: E402
    DA2_DATASETS, convert_depth_anything_v2_state_dict, da2_arch,
    da2_release_config, guess_da2_dataset, guess_da2_mode,
    save_checked_encoder)

CONVERTER = 'tools/model_converters/depth_anything_v2_to_depth.py'


def parse_args(argv=None) -> argparse.Namespace:
    parser = converter_parser(
        'Convert a Depth Anything V2 release '
        '(DepthAnything/Depth-Anything-V2) to this toolbox',
        'released checkpoint (depth_anything_v2_*.pth)')
    parser.add_argument(
        '--mode',
        choices=['metric', 'encoder'],
        help='whole metric model, or the encoder only (default: metric '
        'when SRC\'s file name contains "metric")')
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--config',
        help='our config of the model (default: from the size and '
        '--dataset)')
    group.add_argument(
        '--dataset',
        choices=sorted(DA2_DATASETS),
        help='metric release: which training set (default: from SRC\'s '
        'file name)')
    parser.add_argument(
        '--verbose',
        action='store_true',
        help='log every renamed or dropped key')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    mode = args.mode or guess_da2_mode(args.src)
    state = read_release_state_dict(args.src, wrappers=('model', 'state_dict'))
    arch = da2_arch(state, args.src)
    config = args.config
    if config is None:
        dataset = None
        if mode == 'metric':
            dataset = args.dataset or guess_da2_dataset(args.src)
            if dataset is None:
                raise SystemExit(
                    f'{args.src}: cannot tell the release (hypersim or '
                    'vkitti) from the file name; pass --dataset or --config')
        config = da2_release_config(arch, dataset, mode)
    log = []
    converted = convert_depth_anything_v2_state_dict(
        state, mode=mode, source=args.src, log=log)
    log_key_changes(log, args.verbose)
    if mode == 'metric':
        save_checked(
            converted, config, args.src, args.dst, converter=CONVERTER)
    else:
        save_checked_encoder(
            converted, config, args.src, args.dst, converter=CONVERTER)
    report_conversion(
        args.src,
        args.dst,
        converted,
        log,
        'renamed or dropped',
        config + (' (backbone)' if mode == 'encoder' else ''),
        what=f'{arch} {mode}')


if __name__ == '__main__':
    main()
