"""Per-image depth metrics averaged over images.

Adapted from the evaluation of zhyever/Monocular-Depth-Estimation-Toolbox
(``depth/core/evaluation/metrics.py`` and the datasets' ``pre_eval``): the
same nine metrics, range mask, crops, and per-image-then-mean aggregation,
rewritten for mmengine's ``BaseMetric``.
"""
import logging
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Union

import cv2
import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.utils import mkdir_or_exist
from torch import Tensor

from depth.registry import METRICS
from depth.structures import depth_map_tensor
from ..functional import EVAL_KEYS, METRIC_NAMES
from ..functional import depth_metrics as _compute_metrics
from ..functional import eval_mask, eval_settings

_BASELINE_KEYS = ('abs_rel', 'rmse', 'd1')
_UINT16_MAX = 65535


def _get(sample: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` from a data sample given as a dict (``.to_dict()``
    output, metainfo keys at the top level) or a ``BaseDataElement``
    (whose ``get`` reads data fields and metainfo alike)."""
    return sample.get(key, default)


def output_name(img_path: str, root: Optional[str] = None) -> str:
    """File name of an image's outputs: the image path without extension,
    path separators replaced by ``'_'``, leading separators dropped, plus
    ``'.png'`` (``'/d/kitti/2011_09_26/x/0005.png'`` ->
    ``'d_kitti_2011_09_26_x_0005.png'``), so names are unique even when
    base names repeat (KITTI drives).

    With ``root`` (a dataset's ``data_root``), a path under it is taken
    relative to it first (``'2011_09_26_x_0005.png'``). ``tools/test.py``
    names ``--out`` PNGs and ``--show-dir`` panels with this function and
    the test set's ``data_root``, so both outputs of an image share a name.
    """
    if root:
        path, base = osp.abspath(img_path), osp.abspath(root)
        if path.startswith(base.rstrip(osp.sep) + osp.sep):
            img_path = osp.relpath(path, base)
    stem = osp.splitext(img_path)[0].replace('\\', '/').lstrip('/')
    return stem.replace('/', '_') + '.png'


@METRICS.register_module()
class DepthMetric(BaseMetric):
    """Depth estimation metrics, computed per image then averaged.

    For each image the valid pixels are ``min_depth_eval < gt <
    max_depth_eval`` inside the crop ``crop_type`` (see
    :func:`depth.evaluation.functional.eval_mask`); on them the nine
    metrics ``d1 d2 d3 abs_rel sq_rel rmse rmse_log log10 silog`` are
    computed (:func:`depth.evaluation.functional.depth_metrics`; the
    original toolbox calls ``d1..d3`` ``a1..a3`` and ``log10`` ``log_10``).
    The result is the mean over images, not a pool over pixels. Only one
    small dict per image is kept, never the maps.

    The range and the crop have one home, the dataset: its ``METAINFO``
    (KITTI ``(1e-3, 80)`` with the Garg crop, NYU ``(1e-3, 10)`` with the
    Eigen crop, ...) overridden by the dataset config, which mmengine's
    loops give the metric as ``dataset_meta``
    (:func:`depth.evaluation.functional.eval_settings`). The metric has no
    range or crop arguments of its own.

    Robustness (each counted and reported once, at the end):

    * non-finite predictions on evaluated pixels are replaced (``+inf`` by
      ``max_depth_eval``, ``nan`` and ``-inf`` by ``min_depth_eval``);
    * predictions below ``1e-6`` on evaluated pixels are raised to ``1e-6``
      in the ratio and log metrics only (``d1-3``, ``rmse_log``, ``log10``,
      ``silog``);
    * an image without a valid pixel is skipped (it still occupies one
      entry in ``self.results``, so distributed collection stays aligned).

    Args:
        depth_metrics (str | Sequence[str], optional): Subset of the nine
            metric names to return. None: all. Named as in mmseg (not
            ``metrics``: mmengine's ``Runner.build_evaluator`` takes a dict
            with a ``metrics`` key for an ``Evaluator`` config).
            Defaults to None.
        baseline_depth (float, optional): Depth of a constant prediction
            whose ``abs_rel``, ``rmse`` and ``d1`` are also reported as
            ``baseline_abs_rel``, ``baseline_rmse``, ``baseline_d1``. None:
            ``dataset_meta['median_train_depth']`` if present, else no
            baseline. Defaults to None.
        depth_scale (float, optional): PNG value per metre used by
            ``output_dir`` (KITTI 256, NYU 1000). None: the sample's
            ``depth_scale``, then ``dataset_meta['depth_scale']``.
            Defaults to None.
        output_dir (str, optional): If given, every prediction is written
            there as a uint16 PNG of ``round(pred * depth_scale)``, named by
            :func:`output_name` (the image path with ``'/'`` -> ``'_'``).
            Values outside ``[0, 65535 / depth_scale]`` and non-finite
            values are clipped (non-finite -> 0, i.e. invalid), counted and
            reported. Defaults to None.
        output_root (str, optional): Folder the written names are relative
            to (see :func:`output_name`); ``tools/test.py --out`` sets the
            test set's ``data_root``. Defaults to None (the whole path).
        format_only (bool): Only write the predictions (``output_dir`` is
            required), compute no metric and need no ground truth, e.g. for
            the KITTI benchmark test set. Defaults to False.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results are
            gathered in distributed evaluation. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the returned metric names.
            Defaults to None.
        collect_dir (str, optional): Shared folder for CPU collection.
            Defaults to None.

    Returned keys: the selected names of ``d1 d2 d3 abs_rel sq_rel rmse
    rmse_log log10 silog`` and, with a baseline, ``baseline_abs_rel``,
    ``baseline_rmse``, ``baseline_d1``. ``format_only`` returns ``{}``.

    Example config (KITTI: the range and crop come from the dataset)::

        val_evaluator = dict(type='DepthMetric')
        # another range: on the dataset, never on the metric
        val_dataloader = dict(dataset=dict(max_depth_eval=50.))
        # benchmark submission: uint16 PNGs of depth * 256, no metrics
        test_evaluator = dict(
            type='DepthMetric', format_only=True, output_dir='submit',
            depth_scale=256.)
    """

    def __init__(self,
                 depth_metrics: Optional[Union[str, Sequence[str]]] = None,
                 baseline_depth: Optional[float] = None,
                 depth_scale: Optional[float] = None,
                 output_dir: Optional[str] = None,
                 format_only: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 collect_dir: Optional[str] = None,
                 output_root: Optional[str] = None,
                 **kwargs) -> None:
        moved = [key for key in EVAL_KEYS if key in kwargs]
        if moved:
            raise TypeError(
                f'DepthMetric: {moved} are not metric arguments: the '
                'evaluation range and crop are set on the dataset, e.g. '
                'val_dataloader = dict(dataset=dict(max_depth_eval=80., '
                "crop_type='kitti_garg')), or in its METAINFO.")
        if kwargs:
            raise TypeError(
                f'DepthMetric: unexpected arguments {sorted(kwargs)}.')
        super().__init__(
            collect_device=collect_device,
            prefix=prefix,
            collect_dir=collect_dir)
        metrics = depth_metrics
        if metrics is None:
            metrics = list(METRIC_NAMES)
        elif isinstance(metrics, str):
            metrics = [metrics]
        elif not isinstance(metrics, (tuple, list)):
            raise TypeError('DepthMetric: depth_metrics must be a str, a list '
                            f'or a tuple, got {type(metrics).__name__}.')
        unknown = [m for m in metrics if m not in METRIC_NAMES]
        if unknown:
            raise KeyError(f'DepthMetric: unknown metrics {unknown}; '
                           f'available: {list(METRIC_NAMES)}.')
        self.metrics = [m for m in METRIC_NAMES if m in metrics]

        if depth_scale is not None and depth_scale <= 0:
            raise ValueError(
                f'DepthMetric: depth_scale must be > 0, got {depth_scale}.')
        self.baseline_depth = baseline_depth
        self.depth_scale = depth_scale
        if format_only and output_dir is None:
            raise ValueError('DepthMetric: format_only=True needs output_dir '
                             '(the predictions are only written there).')
        self.format_only = format_only
        self.output_dir = output_dir
        self.output_root = output_root
        if output_dir is not None:
            mkdir_or_exist(output_dir)

    # ------------------------------------------------------------- settings
    def _baseline(self) -> Optional[float]:
        if self.baseline_depth is not None:
            return float(self.baseline_depth)
        if self.dataset_meta and self.dataset_meta.get(
                'median_train_depth') is not None:
            return float(self.dataset_meta['median_train_depth'])
        return None

    # -------------------------------------------------------------- process
    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute and store the metrics of each image of a batch.

        Args:
            data_batch (Any): The batch from the dataloader (unused).
            data_samples (Sequence[dict | DepthDataSample]): Model outputs,
                with ``pred_depth_map`` (``(1, H, W)``, metres), and, unless
                ``format_only``, ``gt_depth_map`` of the same shape.
        """
        for sample in data_samples:
            self.results.append(self._process_one(sample))

    def _process_one(self, sample: Any) -> Dict[str, Any]:
        img_path = _get(sample, 'img_path')
        name = img_path if img_path is not None else '<no img_path>'
        pred_field = _get(sample, 'pred_depth_map')
        if pred_field is None:
            raise KeyError(f'DepthMetric: data sample of image {name} has no '
                           "'pred_depth_map'.")
        pred = depth_map_tensor(pred_field)
        result: Dict[str, Any] = dict(img_path=img_path, valid=False)

        if self.output_dir is not None:
            result.update(self._write(pred, sample, name))
        if self.format_only:
            return result

        gt_field = _get(sample, 'gt_depth_map')
        if gt_field is None:
            raise KeyError(
                f'DepthMetric: data sample of image {name} has no '
                "'gt_depth_map'; use format_only=True for sets without "
                'ground truth.')
        gt = depth_map_tensor(gt_field).to(pred.device)
        if pred.shape != gt.shape:
            raise ValueError(
                f'DepthMetric: image {name}: prediction shape '
                f'{tuple(pred.shape)} differs from ground truth shape '
                f'{tuple(gt.shape)}.')

        min_eval, max_eval, crop_type = eval_settings(self.dataset_meta)
        mask = eval_mask(gt, min_eval, max_eval, crop_type)
        num_valid = int(mask.sum())
        if num_valid == 0:
            return result
        gt_valid = gt[mask]
        pred_valid = pred[mask]

        finite = torch.isfinite(pred_valid)
        num_nonfinite = int((~finite).sum())
        if num_nonfinite:
            pred_valid = torch.nan_to_num(
                pred_valid.double(),
                nan=min_eval,
                posinf=max_eval,
                neginf=min_eval)
        num_small = int((pred_valid < 1e-6).sum())

        metrics = _compute_metrics(pred_valid, gt_valid, eps=1e-6)
        result.update(
            valid=True,
            num_pixels=num_valid,
            num_nonfinite=num_nonfinite,
            num_small=num_small,
            **{k: metrics[k]
               for k in self.metrics})

        baseline = self._baseline()
        if baseline is not None:
            const = torch.full_like(gt_valid, baseline, dtype=torch.float64)
            base = _compute_metrics(const, gt_valid)
            result.update({f'baseline_{k}': base[k] for k in _BASELINE_KEYS})
        return result

    def _write(self, pred: Tensor, sample: Any, name: str) -> Dict[str, int]:
        """Write ``round(pred * depth_scale)`` as a uint16 PNG."""
        scale = self.depth_scale
        if scale is None:
            scale = _get(sample, 'depth_scale')
        if scale is None and self.dataset_meta:
            scale = self.dataset_meta.get('depth_scale')
        if scale is None:
            raise ValueError(
                f'DepthMetric: output_dir is set but no depth_scale is known '
                f'for image {name}; pass depth_scale=... (KITTI 256, NYU '
                '1000).')
        img_path = _get(sample, 'img_path')
        if img_path is None:
            raise KeyError('DepthMetric: output_dir needs the data sample '
                           "'img_path' to name the file.")
        values = pred.detach().to('cpu', torch.float64).numpy() * float(scale)
        finite = np.isfinite(values)
        num_nonfinite = int((~finite).sum())
        values = np.where(finite, values, 0.)
        num_clipped = int(((values > _UINT16_MAX + 0.5) | (values < 0)).sum())
        png = np.clip(np.round(values), 0, _UINT16_MAX).astype(np.uint16)
        out_file = osp.join(self.output_dir,
                            output_name(img_path, self.output_root))
        if not cv2.imwrite(out_file, png):
            raise OSError(f'DepthMetric: could not write {out_file}.')
        return dict(
            num_written=1,
            num_write_nonfinite=num_nonfinite,
            num_write_clipped=num_clipped)

    # -------------------------------------------------------------- compute
    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average the per-image metrics over the images with a valid pixel.

        Args:
            results (list[dict]): One dict per image, from all ranks.

        Returns:
            dict[str, float]: Metric name -> mean over images.
        """
        self._report_counts(results)
        if self.format_only:
            num = sum(r.get('num_written', 0) for r in results)
            print_log(
                f'DepthMetric: format_only, wrote {num} predictions to '
                f'{self.output_dir}; no metric computed.',
                logger='current')
            return OrderedDict()

        valid = [r for r in results if r['valid']]
        num_skipped = len(results) - len(valid)
        if num_skipped:
            print_log(
                f'DepthMetric: {num_skipped} of {len(results)} images have '
                'no valid ground-truth pixel (range and crop) and were '
                'skipped.',
                logger='current',
                level=logging.WARNING)
        keys = list(self.metrics)
        if valid and 'baseline_abs_rel' in valid[0]:
            keys += [f'baseline_{k}' for k in _BASELINE_KEYS]
        out: Dict[str, float] = OrderedDict()
        for key in keys:
            out[key] = (
                float(np.mean([r[key]
                               for r in valid])) if valid else float('nan'))
        if not valid:
            print_log(
                'DepthMetric: no image had a valid pixel; all metrics are '
                'NaN.',
                logger='current',
                level=logging.WARNING)
        print_log(self._table(out, len(valid), len(results)), logger='current')
        return out

    def _report_counts(self, results: List[Dict[str, Any]]) -> None:
        """Warn once with the totals of everything that was altered."""
        messages = {
            'num_nonfinite':
            'non-finite predicted values on evaluated pixels were replaced '
            '(+inf -> max_depth_eval, nan/-inf -> min_depth_eval)',
            'num_small':
            'predicted values below 1e-6 on evaluated pixels were raised '
            'to 1e-6 in the ratio and log metrics',
            'num_write_nonfinite':
            'non-finite predicted values were written as 0 (invalid) in '
            'the output PNGs',
            'num_write_clipped':
            f'predicted values outside [0, {_UINT16_MAX} / depth_scale] '
            'were clipped in the output PNGs',
        }
        for key, message in messages.items():
            counts = [r.get(key, 0) for r in results]
            total = sum(counts)
            if total:
                images = sum(1 for c in counts if c)
                print_log(
                    f'DepthMetric: {total} {message} ({images} images).',
                    logger='current',
                    level=logging.WARNING)

    @staticmethod
    def _table(values: Dict[str, float], num_valid: int,
               num_total: int) -> str:
        """A plain-text table of the metrics."""
        names = list(values)
        cells = [f'{values[k]:.4f}' for k in names]
        widths = [max(len(n), len(c)) for n, c in zip(names, cells)]
        head = ' | '.join(n.rjust(w) for n, w in zip(names, widths))
        row = ' | '.join(c.rjust(w) for c, w in zip(cells, widths))
        rule = '-+-'.join('-' * w for w in widths)
        lines = [
            f'Depth metrics, mean over {num_valid} images with valid '
            f'pixels (of {num_total}):', head, rule, row
        ]
        if 'baseline_abs_rel' in values and 'abs_rel' in values:
            lines.append(f'abs_rel {values["abs_rel"]:.4f} vs constant-median '
                         f'baseline {values["baseline_abs_rel"]:.4f}')
        return '\n'.join(lines)
