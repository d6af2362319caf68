"""Count the parameters (and FLOPs) of a depther, per component.

Builds the model of CONFIG with every ``pretrained`` weight switched off
(nothing is read or downloaded), prints parameters of the backbone, neck,
decode head, auxiliary heads and the total, then FLOPs of one forward pass
on a ``1 x 3 x H x W`` input with mmengine's jit-trace FlopAnalyzer (one
multiply-add counted as one FLOP, fvcore's convention).

Counted: convolutions, linear layers / matmuls, norms, bilinear resizing,
``grid_sample`` (4 per sampled output element, i.e. the deformable
attention's bilinear sampling) and ``scaled_dot_product_attention`` (the
Swin window attention: ``L * S * (E + Ev)`` per batch and head, added by
this tool). Element-wise operators (additions, activations, softmax, the
deformable attention's weighted sum over points) have no formula and are
NOT counted; they are listed at the end.

Examples::

    python tools/analysis_tools/get_flops.py configs/depthformer/swinl_kitti.py
    python tools/analysis_tools/get_flops.py CONFIG --shape 480 640
    python tools/analysis_tools/get_flops.py CONFIG --params-only
"""
import argparse
import logging
from typing import Dict

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

import depth  # noqa: F401  (registers modules)
from depth.apis import pretrained_off
from depth.registry import MODELS
from depth.utils.cfg_options import add_cfg_options_argument, load_config

COMPONENTS = ('backbone', 'neck', 'decode_head', 'auxiliary_head')


def parse_args():
    parser = argparse.ArgumentParser(
        description='Parameters and FLOPs of a depther, per component')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input size; defaults to the config\'s crop_size (or img_size, '
        'else 352 704), rounded up to a multiple of 32')
    parser.add_argument(
        '--params-only',
        action='store_true',
        help='skip the FLOP count (no forward pass)')
    add_cfg_options_argument(parser)
    return parser.parse_args()


def count_params(model: nn.Module) -> Dict[str, int]:
    counts = {}
    for name in COMPONENTS:
        module = getattr(model, name, None)
        if module is not None:
            counts[name] = sum(p.numel() for p in module.parameters())
    counts['total'] = sum(p.numel() for p in model.parameters())
    return counts


def human(n: float, unit: str = '') -> str:
    for div, suffix in ((1e12, 'T'), (1e9, 'G'), (1e6, 'M'), (1e3, 'K')):
        if abs(n) >= div:
            return f'{n / div:.2f} {suffix}{unit}'
    return f'{n:.0f} {unit}'


def sdpa_flop_jit(inputs, outputs) -> int:
    """FLOPs of ``scaled_dot_product_attention``: ``q @ k^T`` and
    ``attn @ v``, i.e. ``batch * L * S * (E + Ev)``."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for d in q[:-2]:
        batch *= d
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def input_shape(cfg, shape):
    if shape is None:
        size = cfg.get('crop_size', None) or cfg.get('img_size', None)
        shape = tuple(size) if size is not None else (352, 704)
    h, w = (-(-int(s) // 32) * 32 for s in shape)
    return h, w


def main():
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'depth'))
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    pretrained_off(cfg.model)
    model = MODELS.build(cfg.model)
    model.eval()

    params = count_params(model)
    print(f'Config: {args.config} (pretrained weights off)')
    print(f'{"component":<16}{"parameters":>16}')
    for name, n in params.items():
        print(f'{name:<16}{n:>16,d}  ({human(n)})')
    if args.params_only:
        return

    from mmengine.analysis import FlopAnalyzer
    h, w = input_shape(cfg, args.shape)
    inputs = torch.randn(1, 3, h, w)
    with torch.no_grad():
        analyzer = FlopAnalyzer(model, (inputs, ))
        analyzer.set_op_handle('aten::scaled_dot_product_attention',
                               sdpa_flop_jit)
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        by_module = analyzer.by_module()
        total = analyzer.total()
        unsupported = analyzer.unsupported_ops()
    print(f'\nFLOPs (1 multiply-add = 1 FLOP) for a 1x3x{h}x{w} input:')
    for name in COMPONENTS:
        if name in by_module and getattr(model, name, None) is not None:
            print(f'{name:<16}{human(by_module[name], "FLOPs"):>16}')
    print(f'{"total":<16}{human(total, "FLOPs"):>16}')
    if unsupported:
        ops = ', '.join(f'{op} x{n}' for op, n in sorted(unsupported.items()))
        print(f'\nNot counted (no FLOP formula): {ops}')
        print('(element-wise operators; the totals above are a slight '
              'underestimate)')


if __name__ == '__main__':
    main()
