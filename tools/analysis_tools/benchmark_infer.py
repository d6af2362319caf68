"""Time inference of a config: images/s and latency, whole and slide mode,
with and without flip test-time augmentation.

The model of CONFIG is built with random weights (pretrained off) and run
through ``model.test_step`` (data preprocessor, prediction, un-padding,
resizing to the original size and clamping), as ``tools/test.py`` does; the
flip rows go through the config's ``tta_model`` (``DepthTTAModel``) with
the image and its horizontal mirror. The input is a random uint8 image of
the config's test size (``--size`` to change it). Slide mode uses the
config's ``test_cfg`` crop and stride when it has them, else the training
crop with a stride of two thirds of it.

Examples::

    python tools/analysis_tools/benchmark_infer.py \\
        configs/densedepth/mobilenetv2_synthetic.py
    python tools/analysis_tools/benchmark_infer.py \\
        configs/depthformer/swinl_kitti.py --device cuda --size 352 1216
"""
import argparse
import contextlib
import statistics
import time
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

import depth  # noqa: F401  (registers modules)
from depth.apis.benchmark_setup import innermost_dataset, prepare_benchmark
from depth.registry import MODELS
from depth.testing import demo_batch
from depth.utils.cfg_options import add_cfg_options_argument, load_config

#: Test image sizes of the datasets whose pipelines do not say it.
DATASET_SIZES = {
    'KITTIDataset': (352, 1216),  # after the KB crop
    'NYUDataset': (480, 640),
    'SUNRGBDDataset': (480, 640),
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Inference throughput and latency of a config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='input size (default: the config\'s test size)')
    parser.add_argument(
        '--batch', type=int, default=1, help='images per step for images/s')
    parser.add_argument(
        '--modes',
        nargs='+',
        default=['whole', 'slide'],
        choices=['whole', 'slide'])
    parser.add_argument(
        '--no-tta', action='store_true', help='skip the flip rows')
    parser.add_argument('--iters', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument(
        '--amp', choices=['bf16', 'fp16'], help='autocast dtype')
    parser.add_argument(
        '--threads', type=int, help='torch.set_num_threads (CPU)')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def test_size_of(cfg: Config) -> Tuple[int, int]:
    """The image size the config tests at."""
    dataset = innermost_dataset(cfg, 'test')
    for t in dataset.get('pipeline', []):
        if t.get('type') == 'KBCrop':
            return (352, 1216)
        if t.get('type') == 'Resize' and t.get('scale'):
            w, h = t['scale']
            return (h, w)
    if dataset.get('img_size'):
        return tuple(dataset['img_size'])
    return DATASET_SIZES.get(dataset.get('type'), (352, 704))


def slide_cfg_of(cfg: Config) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """Crop and stride of slide inference."""
    test_cfg = cfg.model.get('test_cfg') or {}
    if 'crop_size' in test_cfg and 'stride' in test_cfg:
        return tuple(test_cfg['crop_size']), tuple(test_cfg['stride'])
    crop = None
    for t in innermost_dataset(cfg, 'train').get('pipeline', []):
        if 'crop_size' in t:
            crop = tuple(t['crop_size'])
    crop = crop or test_size_of(cfg)
    return crop, tuple(max(1, c * 2 // 3) for c in crop)


def flip_views(batch: dict) -> dict:
    """The TTA input: each image and its horizontal mirror."""
    flipped = [x.flip(-1) for x in batch['inputs']]
    samples = []
    for s in batch['data_samples']:
        f = s.clone()
        f.set_metainfo(dict(flip=True, flip_direction='horizontal'))
        samples.append(f)
    return dict(
        inputs=[batch['inputs'], flipped],
        data_samples=[batch['data_samples'], samples])


def _timed(fn, iters: int, warmup: int, device: str) -> float:
    for _ in range(warmup):
        fn()
    times: List[float] = []
    for _ in range(iters):
        if device == 'cuda':
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device == 'cuda':
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(args: argparse.Namespace, cfg: Optional[Config] = None) -> List[Dict]:
    """Measure every (mode, flip) row; returns them as dicts.

    Args:
        args (argparse.Namespace): :func:`parse_args` output.
        cfg (Config, optional): The config of ``args`` already loaded
            (default: ``args.config`` with ``args.cfg_options``).
    """
    cfg = prepare_benchmark(args, 'benchmark_infer.py', cfg)
    init_default_scope(cfg.get('default_scope', 'depth'))
    h, w = args.size or test_size_of(cfg)
    crop, stride = slide_cfg_of(cfg)
    model = MODELS.build(cfg.model).to(args.device).eval()
    tta_cfg = dict(cfg.get('tta_model', dict(type='DepthTTAModel')))
    tta = MODELS.build(dict(tta_cfg, module=model))
    max_depth = cfg.model.decode_head.get('max_depth', 10.) or 10.
    autocast = (
        torch.autocast(
            args.device,
            dtype=torch.bfloat16 if args.amp == 'bf16' else torch.float16)
        if args.amp else contextlib.nullcontext())
    rows = []
    for mode in args.modes:
        model.test_cfg = dict(mode=mode)
        if mode == 'slide':
            model.test_cfg.update(crop_size=crop, stride=stride)
        for flip in ([False] if args.no_tta else [False, True]):
            runner = tta if flip else model
            figures = {}
            for n in sorted({1, args.batch}):
                batch = demo_batch(n, h, w, max_depth=max_depth)
                data = flip_views(batch) if flip else batch

                def step():
                    with torch.no_grad(), autocast:
                        runner.test_step(data)

                figures[n] = _timed(step, args.iters, args.warmup, args.device)
            rows.append(
                dict(
                    mode=mode,
                    flip=flip,
                    latency_ms=figures[1] * 1000,
                    images_per_s=args.batch / figures[args.batch]))
    return rows


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    rows = run(args, cfg)
    h, w = args.size or test_size_of(cfg)
    crop, stride = slide_cfg_of(cfg)
    print(f'{args.config}: {h}x{w} on {args.device}, torch threads '
          f'{torch.get_num_threads()}; slide crop {crop} stride {stride}')
    print(f'  {"mode":<7}{"flip":<6}{"latency ms":>12}'
          f'{f"images/s (batch {args.batch})":>24}')
    for r in rows:
        print(f'  {r["mode"]:<7}{str(r["flip"]):<6}{r["latency_ms"]:12.1f}'
              f'{r["images_per_s"]:24.2f}')


if __name__ == '__main__':
    main()
