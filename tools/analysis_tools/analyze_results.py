"""Metrics per ground-truth depth range and the worst images of a test set.

Two sources of predictions:

* ``CONFIG CHECKPOINT``: runs ``tools/test.py CONFIG CHECKPOINT --out
  OUT_DIR/preds`` first (with ``--tta`` and ``--cfg-options`` passed on),
  then analyses those files; a rerun can then use ``--pred-dir``.
* ``CONFIG --pred-dir DIR``: the uint16 PNGs an earlier ``tools/test.py
  --out DIR`` wrote (``round(depth * depth_scale)``, named by
  :func:`depth.evaluation.metrics.depth_metric.output_name` relative to the
  test set's ``data_root``). Their quantisation (1/256 m for KITTI, 1 mm
  for NYU) is below the metrics' printed precision in practice.

The ground truth, the evaluation range ``min_depth_eval < gt <
max_depth_eval`` and the crop are those of the config's test set (its
metainfo, as :class:`DepthMetric` reads them); the
mask is :func:`depth.evaluation.functional.eval_mask` and the nine metrics
are :func:`depth.evaluation.functional.depth_metrics`.

Reported:

* **Per depth range** (``--bins`` edges in metres; a pixel belongs to
  ``[lo, hi)``): the metrics of the pixels whose ground truth lies in the
  range, **pooled over all images** (every such pixel of every image weighs
  the same), not the per-image mean that ``DepthMetric`` reports. The row
  ``all`` pools every evaluated pixel inside the bins. Default bins: 0 to
  ``max_depth_eval`` in 10 m steps, or 1 m steps when that gives fewer than
  three ranges (NYU's 10 m).
* **Worst images**: the ``--topk`` images with the worst per-image
  ``--metric`` (highest error; lowest for ``d1``-``d3``).

Printed as tables; written to ``OUT_DIR/results.png`` (the ``--metric``
per range with each range's share of the pixels, and the worst images)
and ``OUT_DIR/results.json`` (everything, per image too). The evaluated
pixels are pooled in memory, 8 bytes each (about 100 MB for the KITTI
Eigen test set, 1.3 GB for NYU's 654 images).

Examples:
    # run the model, then analyse (predictions kept in analysis/preds)
    python tools/analysis_tools/analyze_results.py \\
        configs/densedepth/mobilenetv2_synthetic.py \\
        work_dirs/mobilenetv2_synthetic/iter_1600.pth \\
        --out-dir analysis

    # from the PNGs of tools/test.py --out, KITTI ranges, worst by rmse
    python tools/test.py configs/depthformer/swinl_kitti.py ckpt.pth \\
        --out preds
    python tools/analysis_tools/analyze_results.py \\
        configs/depthformer/swinl_kitti.py --pred-dir preds \\
        --bins 0 10 20 30 40 50 60 70 80 --metric rmse --topk 20 \\
        --out-dir analysis
"""
import argparse
import json
import math
import os
import os.path as osp
import subprocess
import sys
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from torch import Tensor

import depth  # noqa: F401  (registers modules)
from depth.evaluation.functional import (METRIC_NAMES, depth_metrics,
                                         eval_mask, eval_settings)
from depth.evaluation.metrics.depth_metric import output_name
from depth.registry import DATASETS
from depth.utils.cfg_options import add_cfg_options_argument, load_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: Metrics where higher is better (the worst image has the lowest value).
HIGHER_IS_BETTER = ('d1', 'd2', 'd3')
#: Metrics in the printed tables (all nine are in results.json).
TABLE_METRICS = ('abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'silog', 'd1')

#: One evaluated image: name, predicted and GT depth of its valid pixels.
Pixels = Tuple[str, Tensor, Tensor]


def default_bins(max_depth_eval: float) -> List[float]:
    """Range edges from 0 to ``max_depth_eval`` (rounded up) in 10 m steps,
    or 1 m steps when 10 m steps give fewer than three ranges."""
    step = 10. if max_depth_eval > 20 else 1.
    num = max(1, math.ceil(max_depth_eval / step - 1e-9))
    return [i * step for i in range(num + 1)]


def check_bins(bins: Sequence[float]) -> List[float]:
    """``bins`` as floats; an error naming ``--bins`` unless there are at
    least two strictly increasing finite edges."""
    edges = [float(b) for b in bins]
    if len(edges) < 2 or not all(map(math.isfinite, edges)) or any(
            b <= a for a, b in zip(edges, edges[1:])):
        raise ValueError('analyze_results: --bins needs at least two '
                         f'strictly increasing edges in metres, got {bins}.')
    return edges


def range_metrics(pred: Tensor, gt: Tensor,
                  bins: Sequence[float]) -> List[Dict[str, Any]]:
    """Metrics of the pixels in each ground-truth range, pooled.

    The pixels are those of all images together (already masked), so each
    pixel weighs the same whatever image it comes from. Pixel ``j`` is in
    range ``i`` when ``bins[i] <= gt[j] < bins[i + 1]``; pixels outside
    ``[bins[0], bins[-1])`` are in no range. Vectorised: one bucketize and
    one sort, then :func:`depth_metrics` on each range's slice.

    Args:
        pred (Tensor): Predicted depth of the evaluated pixels, ``(P,)``.
        gt (Tensor): Their ground truth, ``(P,)``, metres.
        bins (Sequence[float]): Range edges, strictly increasing.

    Returns:
        list[dict]: One dict per range, then one for ``all`` (the pixels in
        any range): ``range`` (``'lo-hi'``), ``lo``, ``hi``, ``num_pixels``,
        ``fraction`` (of the pixels in any range) and the nine metrics
        (NaN for an empty range).
    """
    edges = check_bins(bins)
    if pred.shape != gt.shape or pred.dim() != 1:
        raise ValueError('range_metrics expects two 1-D tensors of the '
                         f'same length, got {tuple(pred.shape)} and '
                         f'{tuple(gt.shape)}.')
    boundaries = torch.tensor(edges, dtype=gt.dtype, device=gt.device)
    index = torch.bucketize(gt, boundaries, right=True) - 1
    inside = (index >= 0) & (index < len(edges) - 1)
    pred, gt, index = pred[inside], gt[inside], index[inside]
    order = torch.argsort(index, stable=True)
    counts = torch.bincount(index, minlength=len(edges) - 1).tolist()
    pred_parts = torch.split(pred[order], counts)
    gt_parts = torch.split(gt[order], counts)
    total = max(int(inside.sum()), 1)
    nan = {k: float('nan') for k in METRIC_NAMES}

    def row(name: str, lo: float, hi: float, p: Tensor,
            g: Tensor) -> Dict[str, Any]:
        values = depth_metrics(p, g) if p.numel() else nan
        return dict(
            range=name,
            lo=lo,
            hi=hi,
            num_pixels=int(p.numel()),
            fraction=p.numel() / total,
            **values)

    rows = [
        row(f'{lo:g}-{hi:g}', lo, hi, p, g)
        for lo, hi, p, g in zip(edges, edges[1:], pred_parts, gt_parts)
    ]
    rows.append(row('all', edges[0], edges[-1], pred, gt))
    return rows


def worst_images(per_image: Sequence[Dict[str, Any]], metric: str,
                 topk: int) -> List[Dict[str, Any]]:
    """The ``topk`` images with the worst ``metric``: highest first, or
    lowest first for ``d1``, ``d2``, ``d3``. Ties keep the input order."""
    if metric not in METRIC_NAMES:
        raise ValueError(f'analyze_results: unknown --metric {metric!r}; '
                         f'available: {list(METRIC_NAMES)}.')
    if topk < 1:
        raise ValueError(f'analyze_results: --topk must be >= 1, got {topk}.')
    sign = 1. if metric in HIGHER_IS_BETTER else -1.
    order = sorted(
        range(len(per_image)), key=lambda i: sign * per_image[i][metric])
    return [per_image[i] for i in order[:topk]]


def analyze(images: Iterable[Pixels], bins: Sequence[float], metric: str,
            topk: int) -> Dict[str, Any]:
    """Per-range (pooled) and per-image metrics of evaluated images.

    Args:
        images (Iterable[tuple]): ``(name, pred, gt)`` per image, ``pred``
            and ``gt`` the 1-D depths of its evaluated pixels (an empty
            pair: no valid pixel, the image is skipped and counted).
        bins (Sequence[float]): Range edges, metres.
        metric (str): Ranking metric of the worst images.
        topk (int): Number of worst images.

    Returns:
        dict: ``ranges`` (:func:`range_metrics`), ``images`` (per-image
        metrics with ``img`` and ``num_pixels``), ``worst``
        (:func:`worst_images`), ``mean_over_images`` (the per-image mean,
        as ``DepthMetric`` reports), ``num_skipped``, ``bins``, ``metric``.
    """
    bins = check_bins(bins)
    worst_images([], metric, topk)  # validate early
    preds, gts, per_image, skipped = [], [], [], 0
    for name, pred, gt in images:
        if pred.numel() == 0:
            skipped += 1
            continue
        pred = pred.detach().to('cpu', torch.float32).reshape(-1)
        gt = gt.detach().to('cpu', torch.float32).reshape(-1)
        per_image.append(
            dict(
                img=name,
                num_pixels=int(gt.numel()),
                **depth_metrics(pred, gt)))
        preds.append(pred)
        gts.append(gt)
    if not per_image:
        raise ValueError('analyze_results: no image has a valid ground-truth '
                         'pixel (evaluation range and crop).')
    pred, gt = torch.cat(preds), torch.cat(gts)
    mean = {k: float(np.mean([r[k] for r in per_image])) for k in METRIC_NAMES}
    return dict(
        bins=bins,
        metric=metric,
        ranges=range_metrics(pred, gt, bins),
        images=per_image,
        worst=worst_images(per_image, metric, topk),
        mean_over_images=mean,
        num_skipped=skipped)


def format_tables(result: Dict[str, Any],
                  metrics: Sequence[str] = TABLE_METRICS) -> str:
    """The per-range and worst-image tables as plain text."""
    metric = result['metric']
    metrics = list(metrics) + ([metric] if metric not in metrics else [])

    def table(header: List[str], rows: List[List[str]]) -> List[str]:
        widths = [
            max(len(h), *(len(r[i]) for r in rows))
            for i, h in enumerate(header)
        ]
        lines = [' | '.join(h.rjust(w) for h, w in zip(header, widths))]
        lines.append('-+-'.join('-' * w for w in widths))
        lines += [
            ' | '.join(c.rjust(w) for c, w in zip(r, widths)) for r in rows
        ]
        return lines

    rows = [
        [r['range'], f'{r["num_pixels"]:d}', f'{100 * r["fraction"]:.1f}'] +
        [f'{r[k]:.4f}' for k in metrics] for r in result['ranges']
    ]
    lines = [
        'Metrics per ground-truth range (m), pooled over the pixels of '
        'all images:'
    ]
    lines += table(['range', 'pixels', '%'] + metrics, rows)
    mean = result['mean_over_images']
    lines.append('mean over images (as DepthMetric): ' +
                 '  '.join(f'{k} {mean[k]:.4f}' for k in metrics))
    if result['num_skipped']:
        lines.append(f'{result["num_skipped"]} images without a valid pixel '
                     'skipped.')
    lines += ['', f'Worst {len(result["worst"])} images by {metric}:']
    rows = [[str(i + 1), r['img'], f'{r["num_pixels"]:d}'] +
            [f'{r[k]:.4f}' for k in metrics]
            for i, r in enumerate(result['worst'])]
    lines += table(['rank', 'image', 'pixels'] + metrics, rows)
    return '\n'.join(lines)


def plot_results(result: Dict[str, Any], out: str) -> str:
    """Bar charts of ``result['metric']`` per range (with each range's share
    of the pixels) and of the worst images; saved as a PNG at ``out``."""
    metric = result['metric']
    ranges = [r for r in result['ranges'] if r['range'] != 'all']
    worst = result['worst']
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(13, max(4, 0.35 * len(worst) + 1.5)))
    x = np.arange(len(ranges))
    values = [r[metric] for r in ranges]
    ax1.bar(x, values, color='tab:blue')
    ax1.set_xticks(x, [r['range'] for r in ranges], rotation=45)
    ax1.set_xlabel('ground-truth depth (m)')
    ax1.set_ylabel(f'{metric} (pooled pixels)')
    pooled = result['ranges'][-1][metric]
    ax1.axhline(pooled, color='k', ls='--', lw=1)
    share = ax1.twinx()
    share.plot(
        x, [100 * r['fraction'] for r in ranges], 'o-', color='tab:orange')
    share.set_ylabel('% of pixels', color='tab:orange')
    ax1.set_title(f'{metric} per depth range (bars; dashed: all pixels, '
                  f'{pooled:.3f})')
    names = [osp.basename(r['img']) for r in worst]
    y = np.arange(len(worst))
    ax2.barh(y, [r[metric] for r in worst], color='tab:red')
    ax2.set_yticks(y, names)
    ax2.invert_yaxis()
    ax2.set_xlabel(metric)
    ax2.set_title(f'worst {len(worst)} images by {metric}')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


# ------------------------------------------------------------ data reading
def _evaluator_cfg(cfg: Config) -> Dict[str, Any]:
    """The ``DepthMetric`` entry of ``cfg.test_evaluator``."""
    evaluators = cfg.get('test_evaluator')
    if isinstance(evaluators, (dict, ConfigDict)):
        evaluators = [evaluators]
    for evaluator in evaluators or []:
        if evaluator.get('type') in ('DepthMetric', 'depth.DepthMetric'):
            return dict(evaluator)
    raise ValueError('analyze_results: the config has no '
                     "test_evaluator of type 'DepthMetric'.")


def iter_pred_dir(cfg: Config, pred_dir: str) -> Iterable[Pixels]:
    """``(name, pred, gt)`` of each test image, ``pred`` read from the PNGs
    of ``tools/test.py --out pred_dir``, masked with the test set's
    evaluation range and crop."""
    if not osp.isdir(pred_dir):
        raise FileNotFoundError(
            f'analyze_results: --pred-dir {pred_dir} is not a folder.')
    init_default_scope(cfg.get('default_scope', 'depth'))
    evaluator = _evaluator_cfg(cfg)
    dataset_cfg = cfg.test_dataloader.dataset
    dataset = DATASETS.build(dataset_cfg)
    min_eval, max_eval, crop = eval_settings(dataset.metainfo,
                                             'analyze_results')
    data_root = dataset_cfg.get('data_root')
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        img_path = sample.img_path
        gt_field = sample.get('gt_depth_map')
        if gt_field is None:
            raise ValueError(f'analyze_results: test image {img_path} has no '
                             'ground truth (a format_only set?).')
        gt = gt_field.data.reshape(gt_field.data.shape[-2:]).float()
        png = osp.join(pred_dir, output_name(img_path, data_root))
        if not osp.isfile(png):
            raise FileNotFoundError(
                f'analyze_results: no prediction {png} for {img_path}; was '
                f'{pred_dir} written by tools/test.py --out with this '
                'config?')
        raw = cv2.imread(png, cv2.IMREAD_UNCHANGED)
        if raw is None or raw.dtype != np.uint16 or raw.ndim != 2:
            raise ValueError(f'analyze_results: {png} is not a one-channel '
                             'uint16 PNG (tools/test.py --out writes those).')
        scale = evaluator.get('depth_scale') or sample.get(
            'depth_scale') or dataset.metainfo.get('depth_scale')
        if not scale:
            raise ValueError('analyze_results: no depth_scale known for '
                             f'{png}; set test_evaluator.depth_scale.')
        pred = torch.from_numpy(raw.astype(np.float32)) / float(scale)
        if pred.shape != gt.shape:
            raise ValueError(f'analyze_results: {png} is {tuple(pred.shape)}'
                             f' but the ground truth of {img_path} is '
                             f'{tuple(gt.shape)}.')
        mask = eval_mask(gt, min_eval, max_eval, crop)
        yield output_name(img_path, data_root)[:-4], pred[mask], gt[mask]


def max_depth_eval_of(cfg: Config) -> float:
    """``max_depth_eval`` of the config's test set (its metainfo, the one
    home of the evaluation range; the dataset is built without loading
    data)."""
    init_default_scope(cfg.get('default_scope', 'depth'))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, lazy_init=True))
    return float(eval_settings(dataset.metainfo, 'analyze_results')[1])


def run_test(args: argparse.Namespace, pred_dir: str) -> None:
    """``tools/test.py CONFIG CHECKPOINT --out pred_dir`` in a subprocess."""
    cmd = [
        sys.executable,
        osp.join(ROOT, 'tools', 'test.py'), args.config, args.checkpoint,
        '--out', pred_dir, '--work-dir',
        osp.join(args.out_dir, 'test_work_dir')
    ]
    if args.tta:
        cmd.append('--tta')
    if args.cfg_options_raw:
        cmd += ['--cfg-options'] + args.cfg_options_raw
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + ([env['PYTHONPATH']] if env.get('PYTHONPATH') else []))
    proc = subprocess.run(cmd, env=env)
    if proc.returncode != 0:
        raise SystemExit('analyze_results: tools/test.py failed (exit '
                         f'{proc.returncode}).')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Metrics per ground-truth depth range and worst images')
    parser.add_argument('config', help='test config file')
    parser.add_argument(
        'checkpoint',
        nargs='?',
        help='checkpoint to run tools/test.py with (or give --pred-dir)')
    parser.add_argument(
        '--pred-dir', help='uint16 PNGs written by tools/test.py --out')
    parser.add_argument(
        '--bins',
        nargs='+',
        type=float,
        help='range edges in metres (default: 0..max_depth_eval in 10 m '
        'steps, 1 m when that gives fewer than 3 ranges)')
    parser.add_argument(
        '--metric',
        default='abs_rel',
        help=f'metric ranking the worst images, one of {list(METRIC_NAMES)}')
    parser.add_argument(
        '--topk', type=int, default=10, help='number of worst images')
    parser.add_argument(
        '--out-dir',
        default='analysis',
        help='folder for results.png, results.json (and preds/)')
    parser.add_argument(
        '--tta', action='store_true', help='passed on to tools/test.py')
    add_cfg_options_argument(
        parser, 'override config settings (also passed on to tools/test.py)')
    args = parser.parse_args(argv)
    if (args.checkpoint is None) == (args.pred_dir is None):
        parser.error('give either CHECKPOINT or --pred-dir (one of them)')
    argv = list(sys.argv[1:] if argv is None else argv)
    raw: List[str] = []  # the items as typed, for tools/test.py
    for i, item in enumerate(argv):
        if item.startswith('--cfg-options='):
            raw.append(item.split('=', 1)[1])
        elif item == '--cfg-options':
            for value in argv[i + 1:]:
                if value.startswith('--'):
                    break
                raw.append(value)
    args.cfg_options_raw = raw
    return args


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise SystemExit(f'analyze_results: config {args.config} not found.')
    cfg = load_config(args.config, args.cfg_options)
    os.makedirs(args.out_dir, exist_ok=True)
    pred_dir = args.pred_dir
    try:
        bins = check_bins(args.bins) if args.bins else default_bins(
            max_depth_eval_of(cfg))
        worst_images([], args.metric, args.topk)
        if pred_dir is None:
            if not osp.isfile(args.checkpoint):
                raise FileNotFoundError(f'analyze_results: checkpoint '
                                        f'{args.checkpoint} not found.')
            pred_dir = osp.join(args.out_dir, 'preds')
            run_test(args, pred_dir)
        result = analyze(
            iter_pred_dir(cfg, pred_dir), bins, args.metric, args.topk)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f'error: {e}')
    print(format_tables(result))
    png = plot_results(result, osp.join(args.out_dir, 'results.png'))
    out_json = osp.join(args.out_dir, 'results.json')
    with open(out_json, 'w') as f:
        json.dump(dict(result, pred_dir=pred_dir), f, indent=1)
    print(f'saved {png} and {out_json}')
    return result


if __name__ == '__main__':
    main()
