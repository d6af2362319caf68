"""Time the KITTI training pipeline against bare PNG decoding.

The pipeline is the one the KITTI configs use::

    LoadImageFromFile -> LoadDepthAnnotation -> KBCrop
    -> RandomRotate(prob=0.5, degree=2.5) -> RandomFlip(prob=0.5)
    -> RandomCrop((352, 704)) -> ColorAug(prob=0.5, gamma/brightness/colour
    (0.9, 1.1)) -> PackDepthInputs

run on generated 375x1242 RGB PNGs (rendered synthetic road-like scenes
with pixel noise) and uint16 depth PNGs with a sparse, LiDAR-like pattern
(scan lines, about a third of the pixels below the horizon, 0 elsewhere).
The reference is ``cv2.imread`` of the same two files (``IMREAD_COLOR`` and
``IMREAD_UNCHANGED``): the pipeline's unavoidable cost. Files are read once
before timing so that both measurements hit the page cache.

Example::

    python tools/analysis_tools/benchmark_pipeline.py --threads 1
"""
# isort: skip_file (sys.path is set before the depth imports)
import argparse
import os
import sys


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Time the KITTI training pipeline vs bare PNG decoding.')
    parser.add_argument(
        '--num-files',
        type=int,
        default=8,
        help='distinct image/depth pairs to generate')
    parser.add_argument(
        '--samples', type=int, default=64, help='samples per timing round')
    parser.add_argument(
        '--rounds',
        type=int,
        default=7,
        help='timing rounds (the median is reported)')
    parser.add_argument(
        '--threads',
        type=int,
        default=1,
        help='OpenCV / OpenMP / torch threads')
    parser.add_argument(
        '--work-dir',
        default=None,
        help='where to write the files (default: a temp dir)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


ARGS = parse_args() if __name__ == '__main__' else None
if ARGS is not None:
    # Before numpy / cv2 / torch start their thread pools.
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
        os.environ[var] = str(ARGS.threads)

import importlib  # noqa: E402
import os.path as osp  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from typing import Callable, List, Tuple  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmcv.transforms import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

sys.path.insert(0, osp.abspath(osp.join(osp.dirname(__file__), '..', '..')))

from depth.datasets.synthetic_scene import (
    render_scene,  # noqa: E402
    sample_scene)
from depth.registry import TRANSFORMS  # noqa: E402

KITTI_TRAIN_PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', height=352, width=1216, depth=True),
    dict(type='RandomRotate', prob=0.5, degree=2.5),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=(352, 704)),
    dict(
        type='ColorAug',
        prob=0.5,
        gamma_range=(0.9, 1.1),
        brightness_range=(0.9, 1.1),
        color_range=(0.9, 1.1)),
    dict(type='PackDepthInputs'),
]

HEIGHT, WIDTH = 375, 1242


def make_files(out_dir: str, num: int, seed: int) -> List[Tuple[str, str]]:
    """Write ``num`` KITTI-sized RGB PNGs and sparse uint16 depth PNGs."""
    pairs = []
    for i in range(num):
        rng = np.random.default_rng([seed, i])
        scene = sample_scene(rng, HEIGHT, WIDTH, max_depth=80.0)
        img, depth = render_scene(
            scene, HEIGHT, WIDTH, 80.0, rng, noise_std=4.0)
        # LiDAR-like sparsity: 64 scan lines are a few rows apart; the
        # KITTI annotated maps accumulate frames, so keep ~1/3 of the
        # pixels on most rows below the horizon.
        keep = rng.random(depth.shape) < 0.35
        keep &= (np.arange(HEIGHT) % 3 != 0)[:, None]
        keep[:int(0.3 * HEIGHT)] = False
        stored = np.where(keep, np.rint(depth * 256.0), 0).astype(np.uint16)
        img_path = osp.join(out_dir, f'{i:04d}.png')
        depth_path = osp.join(out_dir, f'{i:04d}_depth.png')
        assert cv2.imwrite(img_path, img)
        assert cv2.imwrite(depth_path, stored)
        pairs.append((img_path, depth_path))
    return pairs


def time_round(fn: Callable[[int], None], samples: int) -> Tuple[float, float]:
    """Per-sample (wall, CPU) milliseconds of one round of ``samples``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(samples):
        fn(i)
    return ((time.perf_counter() - wall) * 1000 / samples,
            (time.process_time() - cpu) * 1000 / samples)


def main() -> None:
    args = ARGS
    cv2.setNumThreads(args.threads)
    torch.set_num_threads(args.threads)
    np.random.seed(args.seed)
    init_default_scope('depth')
    importlib.import_module('depth.datasets')  # registers the transforms
    pipeline = Compose([TRANSFORMS.build(t) for t in KITTI_TRAIN_PIPELINE])

    tmp = None
    work_dir = args.work_dir
    if work_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix='benchmark_pipeline_')
        work_dir = tmp.name
    os.makedirs(work_dir, exist_ok=True)
    pairs = make_files(work_dir, args.num_files, args.seed)
    sizes = [(osp.getsize(a), osp.getsize(b)) for a, b in pairs]
    num = len(pairs)

    def bare(i: int) -> None:
        img_path, depth_path = pairs[i % num]
        img = cv2.imread(img_path, cv2.IMREAD_COLOR)
        gt = cv2.imread(depth_path, cv2.IMREAD_UNCHANGED)
        assert img is not None and gt is not None

    def full(i: int) -> None:
        img_path, depth_path = pairs[i % num]
        out = pipeline(
            dict(
                img_path=img_path,
                depth_map_path=depth_path,
                depth_scale=256.0,
                depth_fields=[]))
        assert out['inputs'].shape == (3, 352, 704)

    # Warm up (page cache, lazy imports, thread pools).
    for i in range(2 * num):
        bare(i)
        full(i)
    # Interleave the rounds so that a busy machine affects both alike.
    bare_rounds, full_rounds = [], []
    for _ in range(args.rounds):
        bare_rounds.append(time_round(bare, args.samples))
        full_rounds.append(time_round(full, args.samples))
    bare_wall = statistics.median(r[0] for r in bare_rounds)
    full_wall = statistics.median(r[0] for r in full_rounds)
    bare_cpu = statistics.median(r[1] for r in bare_rounds)
    full_cpu = statistics.median(r[1] for r in full_rounds)

    # Per-transform breakdown in CPU time (the random ones at their prob).
    steps = [TRANSFORMS.build(t) for t in KITTI_TRAIN_PIPELINE]
    totals = [0.0] * len(steps)
    for i in range(args.samples * 2):
        img_path, depth_path = pairs[i % num]
        results = dict(
            img_path=img_path,
            depth_map_path=depth_path,
            depth_scale=256.0,
            depth_fields=[])
        for k, step in enumerate(steps):
            start = time.process_time()
            results = step(results)
            totals[k] += time.process_time() - start

    print(f'files: {num} pairs of {HEIGHT}x{WIDTH}; mean PNG size RGB '
          f'{np.mean([s[0] for s in sizes]) / 1024:.0f} KiB, depth '
          f'{np.mean([s[1] for s in sizes]) / 1024:.0f} KiB')
    print(f'threads: {args.threads} (cv2.getNumThreads()='
          f'{cv2.getNumThreads()}, torch={torch.get_num_threads()}, '
          f'OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")})')
    print(f'rounds: {args.rounds} x {args.samples} samples, interleaved; '
          'median of rounds; wall and process CPU time')

    def fmt(rounds, k):
        return ', '.join(f'{r[k]:.1f}' for r in rounds)

    print(f'bare cv2.imread (color + unchanged): wall {bare_wall:6.2f} '
          f'ms/sample, CPU {bare_cpu:6.2f} ms/sample')
    print(f'KITTI training pipeline:             wall {full_wall:6.2f} '
          f'ms/sample, CPU {full_cpu:6.2f} ms/sample')
    print(f'  wall rounds: bare [{fmt(bare_rounds, 0)}] pipeline '
          f'[{fmt(full_rounds, 0)}]')
    print(f'ratio pipeline / bare decode: wall {full_wall / bare_wall:.2f}, '
          f'CPU {full_cpu / bare_cpu:.2f} (target <= 1.5)')
    print('per transform (CPU ms/sample):')
    for step, total in zip(steps, totals):
        print(f'  {type(step).__name__:<20s} '
              f'{total * 1000 / (2 * args.samples):6.2f}')
    if tmp is not None:
        tmp.cleanup()


if __name__ == '__main__':
    main()
