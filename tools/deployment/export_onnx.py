"""Export a depther to ONNX and check it with onnxruntime.

Examples:
    python tools/deployment/export_onnx.py CONFIG CKPT model.onnx
    python tools/deployment/export_onnx.py CONFIG CKPT model.onnx \\
        --shape 352 1216 --dynamic
    python tools/deployment/export_onnx.py CONFIG CKPT model.onnx --dynamo

The graph is the whole-image forward (``test_cfg.mode='whole'``) with the
data preprocessor's work inside it:

- input ``image``: ``(N, 3, H, W)`` float32, **BGR 0-255** (a
  ``cv2.imread`` image transposed to CHW), H and W multiples of the
  preprocessor's ``size_divisor`` when it has one (the graph does not pad);
- output ``depth``: ``(N, 1, H, W)`` float32 metres, clamped to the model
  range.

By default the size is fixed (``--shape``, default the config's test
resolution rounded up to the size divisor); ``--dynamic`` makes N, H and
W dynamic (not for models whose positional tables fix the token grid,
e.g. AdaBins with ``pos_embed_type='grid'``, nor Swin with the TorchScript
exporter: the check on a second size says so). The exported model is run
with onnxruntime on CPU and compared with PyTorch on the same random
image; the maximum difference is printed and the command fails if it is
above ``--rtol`` times the largest depth.

Exporters: the TorchScript-based one by default (seconds), torch.export
(``--dynamo``, needs ``onnxscript``; slower, handles data-dependent
shapes as symbols).
"""
import argparse
import copy
import math
import os
import os.path as osp
import sys
import time
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config

import depth  # noqa: F401  (registers modules, checkpoint safe globals)
from depth.apis import init_model
from depth.apis.depth_inferencer import find_config, test_resolution
from depth.utils.cfg_options import add_cfg_options_argument, load_config


class DepthONNXWrapper(nn.Module):
    """The exported function: BGR 0-255 image -> depth in metres.

    Channel swap and normalisation follow the model's data preprocessor;
    the depther runs ``encode_decode`` (backbone, neck, head ``predict``:
    clamp at the head's resolution, bilinear resize to the input), then
    the result is clamped to ``[min_depth, max_depth]`` as
    ``postprocess_result`` does.

    Args:
        depther (nn.Module): A ``DepthEncoderDecoder`` (copied; the copy's
            depth range is made float, which torch.export needs).
    """

    def __init__(self, depther: nn.Module) -> None:
        super().__init__()
        depther = copy.deepcopy(depther).eval()
        for module in depther.modules():
            for key in ('min_depth', 'max_depth'):
                value = getattr(module, key, None)
                if isinstance(value, int) and not isinstance(value, bool):
                    setattr(module, key, float(value))
        self.depther = depther
        pre = depther.data_preprocessor
        self.bgr_to_rgb = bool(getattr(pre, '_channel_conversion', False))
        self.normalize = bool(getattr(pre, '_enable_normalize', False))
        if self.normalize:
            self.register_buffer('mean',
                                 pre.mean.detach().clone().view(1, -1, 1, 1))
            self.register_buffer('std',
                                 pre.std.detach().clone().view(1, -1, 1, 1))
        self.min_depth, self.max_depth = depther.depth_range()

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` BGR 0-255 -> ``(N, 1, H, W)`` metres."""
        x = image
        if self.bgr_to_rgb:
            x = torch.cat([x[:, 2:3], x[:, 1:2], x[:, 0:1]], dim=1)
        if self.normalize:
            x = (x - self.mean) / self.std
        shape = x.shape[2:]
        metas = [
            dict(
                img_shape=shape,
                pad_shape=shape,
                batch_input_shape=shape,
                ori_shape=shape)
        ]
        out = self.depther.encode_decode(x, metas)
        if self.min_depth is not None or self.max_depth is not None:
            out = out.clamp(min=self.min_depth, max=self.max_depth)
        return out


def size_divisor(model: nn.Module) -> int:
    """The test-time size divisor of the model's data preprocessor
    (1 if none)."""
    pre = model.data_preprocessor
    test_cfg = getattr(pre, 'test_cfg', {}) or {}
    div = test_cfg.get('size_divisor', getattr(pre, 'size_divisor', None))
    return int(div or 1)


def export_shape(cfg: Config, model: nn.Module,
                 shape: Optional[Sequence[int]]) -> Tuple[int, int]:
    """``(H, W)``: ``shape`` or the config's test resolution, rounded up to
    the size divisor."""
    if shape is None:
        shape = test_resolution(cfg)
    if shape is None:
        raise ValueError('export_onnx: the config names no test resolution; '
                         'pass --shape H W')
    div = size_divisor(model)
    return tuple(int(math.ceil(int(s) / div) * div) for s in shape)


def export(wrapper: nn.Module,
           out_file: str,
           shape: Tuple[int, int],
           batch: int = 1,
           dynamic: bool = False,
           dynamo: bool = False,
           opset: int = 17) -> None:
    """Export ``wrapper`` to ``out_file``.

    Args:
        wrapper (nn.Module): A :class:`DepthONNXWrapper`.
        out_file (str): The ``.onnx`` file (folders are created).
        shape (tuple[int, int]): ``(H, W)`` of the example input.
        batch (int): N of the example input. Defaults to 1.
        dynamic (bool): Dynamic N, H, W. Defaults to False.
        dynamo (bool): Use torch.export (``dynamo=True``) instead of the
            TorchScript exporter. Defaults to False.
        opset (int): ONNX opset (TorchScript exporter). Defaults to 17.
    """
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    example = torch.rand(batch, 3, *shape) * 255
    kwargs = dict(input_names=['image'], output_names=['depth'])
    # nn.TransformerEncoderLayer's fused eval fast path
    # (aten::_transformer_encoder_layer_fwd) has no ONNX export
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        _export(wrapper, out_file, example, kwargs, dynamic, dynamo, opset)
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)


def _export(wrapper: nn.Module, out_file: str, example: torch.Tensor,
            kwargs: dict, dynamic: bool, dynamo: bool, opset: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        if dynamo:
            if dynamic:
                kwargs['dynamic_shapes'] = ({
                    0:
                    torch.export.Dim('batch', min=1, max=64),
                    2:
                    torch.export.Dim('height', min=32, max=8192),
                    3:
                    torch.export.Dim('width', min=32, max=8192)
                }, )
            torch.onnx.export(
                wrapper, (example, ), out_file, dynamo=True, **kwargs)
        else:
            if dynamic:
                axes = {0: 'batch', 2: 'height', 3: 'width'}
                kwargs['dynamic_axes'] = dict(image=axes, depth=axes)
            torch.onnx.export(
                wrapper, (example, ),
                out_file,
                dynamo=False,
                opset_version=opset,
                **kwargs)


def check(out_file: str,
          wrapper: nn.Module,
          shapes: List[Tuple[int, int, int]],
          seed: int = 0) -> List[dict]:
    """Run the ONNX file with onnxruntime (CPU) and the wrapper with
    PyTorch on the same random BGR image of each ``(N, H, W)`` in
    ``shapes``.

    Returns:
        list[dict]: Per shape: ``shape``, ``max_abs`` (m), ``max_depth``
        (largest |depth| of PyTorch), ``rel`` (``max_abs / max_depth``),
        ``ort_s`` and ``torch_s`` (seconds), or ``error`` when onnxruntime
        failed on that shape.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(
        out_file, providers=['CPUExecutionProvider'])
    rng = np.random.default_rng(seed)
    reports = []
    for n, h, w in shapes:
        image = rng.integers(0, 256, (n, 3, h, w)).astype(np.float32)
        start = time.perf_counter()
        with torch.no_grad():
            ref = wrapper(torch.from_numpy(image)).numpy()
        torch_s = time.perf_counter() - start
        report = dict(shape=(n, h, w), torch_s=torch_s)
        try:
            start = time.perf_counter()
            out = session.run(['depth'], {'image': image})[0]
            report['ort_s'] = time.perf_counter() - start
        except Exception as e:  # onnxruntime raises its own types
            report['error'] = f'{type(e).__name__}: {str(e)[:300]}'
            reports.append(report)
            continue
        if out.shape != ref.shape:
            report['error'] = (f'output shape {out.shape}, PyTorch '
                               f'{ref.shape}')
            reports.append(report)
            continue
        max_abs = float(np.abs(out.astype(np.float64) - ref).max())
        max_depth = float(np.abs(ref).max())
        report.update(
            max_abs=max_abs,
            max_depth=max_depth,
            rel=max_abs / max(max_depth, 1e-12))
        reports.append(report)
    return reports


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Export a depther to ONNX and check it with '
        'onnxruntime')
    parser.add_argument('config', help='config file (or config name)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('out', help='output .onnx file')
    parser.add_argument(
        '--shape',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help='input size (default: the test resolution, rounded up to the '
        'size divisor)')
    parser.add_argument(
        '--batch', type=int, default=1, help='batch size of the example')
    parser.add_argument(
        '--dynamic',
        action='store_true',
        help='dynamic batch, height and width')
    parser.add_argument(
        '--dynamo',
        action='store_true',
        help='export with torch.export (needs onnxscript)')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset')
    parser.add_argument(
        '--rtol',
        type=float,
        default=1e-4,
        help='largest accepted max |onnx - torch| / max |depth|')
    parser.add_argument(
        '--no-check', action='store_true', help='skip the onnxruntime check')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> List[dict]:
    args = parse_args(argv)
    if not args.no_check:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise SystemExit('export_onnx: the check needs onnxruntime: pip '
                             'install -e ".[deploy]" (or pass --no-check)')
    config = args.config if osp.isfile(args.config) else find_config(
        args.config)
    cfg = load_config(config, args.cfg_options)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(
            f'export_onnx: checkpoint {args.checkpoint} not found')
    model = init_model(cfg, args.checkpoint, device='cpu')
    mode = model.test_cfg.get('mode', 'whole')
    if mode != 'whole':
        print(f'export_onnx: test_cfg.mode is {mode!r}; exporting the '
              'whole-image forward')
    shape = export_shape(cfg, model, args.shape)
    wrapper = DepthONNXWrapper(model).eval()
    start = time.perf_counter()
    export(
        wrapper,
        args.out,
        shape,
        batch=args.batch,
        dynamic=args.dynamic,
        dynamo=args.dynamo,
        opset=args.opset)
    exporter = 'torch.export (dynamo)' if args.dynamo else 'TorchScript'
    print(f'export_onnx: wrote {args.out} ({exporter}, input '
          f'{args.batch}x3x{shape[0]}x{shape[1]}'
          f'{", dynamic N/H/W" if args.dynamic else ""}) in '
          f'{time.perf_counter() - start:.1f} s')
    if args.no_check:
        return []
    shapes = [(args.batch, *shape)]
    if args.dynamic:
        div = size_divisor(model)
        step = max(div, 32)
        # another batch, height and width, and another number of pixels
        shapes.append((args.batch + 1, shape[0] + step, shape[1] + 2 * step))
    reports = check(args.out, wrapper, shapes)
    failed = False
    for r in reports:
        n, h, w = r['shape']
        if 'error' in r:
            failed = True
            print(f'export_onnx: onnxruntime failed on {n}x3x{h}x{w}: '
                  f'{r["error"]}')
            continue
        ok = r['rel'] <= args.rtol
        failed |= not ok
        print(f'export_onnx: {n}x3x{h}x{w}: max |onnx - torch| = '
              f'{r["max_abs"]:.3g} m, {r["rel"]:.3g} of the largest depth '
              f'{r["max_depth"]:.3g} m ({"ok" if ok else "ABOVE"} rtol '
              f'{args.rtol:g}); onnxruntime {r["ort_s"]:.3f} s, PyTorch '
              f'{r["torch_s"]:.3f} s')
    if failed:
        raise SystemExit('export_onnx: the check failed (see above)' + (
            '; a model with a fixed token grid or Swin under the '
            'TorchScript exporter needs a fixed size (drop --dynamic) or '
            '--dynamo' if args.dynamic else ''))
    return reports


if __name__ == '__main__':
    sys.exit(0 if main() is not None else 1)
