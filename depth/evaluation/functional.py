"""Pure functions for depth evaluation: the valid-pixel mask and the nine
standard metrics of one image.

Metric names and the original toolbox (zhyever/Monocular-Depth-Estimation-
Toolbox, ``depth/core/evaluation/metrics.py``) names:

=============  ==========================================================
``depth``      original / formula (g = ground truth, p = prediction)
=============  ==========================================================
``d1``         ``a1``: ``mean(max(g/p, p/g) < 1.25)``
``d2``         ``a2``: ``mean(max(g/p, p/g) < 1.25 ** 2)``
``d3``         ``a3``: ``mean(max(g/p, p/g) < 1.25 ** 3)``
``abs_rel``    ``abs_rel``: ``mean(|g - p| / g)``
``sq_rel``     ``sq_rel``: ``mean((g - p) ** 2 / g)``
``rmse``       ``rmse``: ``sqrt(mean((g - p) ** 2))``
``rmse_log``   ``rmse_log``: ``sqrt(mean((ln g - ln p) ** 2))``
``log10``      ``log_10``: ``mean(|log10 g - log10 p|)``
``silog``      ``silog``: ``100 * sqrt(mean(e ** 2) - mean(e) ** 2)``,
               ``e = ln p - ln g`` (lambda = 1, in percent). mmseg 1.x's
               ``silog`` (lambda = 0.5, no x100) is not comparable.
=============  ==========================================================

All functions take torch tensors and never loop over pixels.
"""
from typing import Any, Dict, Mapping, Optional, Tuple

import torch
from torch import Tensor

#: Metric names in the order they are reported.
METRIC_NAMES: Tuple[str, ...] = ('d1', 'd2', 'd3', 'abs_rel', 'sq_rel', 'rmse',
                                 'rmse_log', 'log10', 'silog')

#: Accepted ``crop_type`` values (``None`` means no crop).
CROP_TYPES: Tuple[Optional[str],
                  ...] = (None, 'nyu_eigen', 'kitti_garg', 'kitti_eigen')

# KITTI crops as fractions of (H, W): (top, bottom, left, right).
_KITTI_CROPS = {
    'kitti_garg': (0.40810811, 0.99189189, 0.03594771, 0.96405229),
    'kitti_eigen': (0.3324324, 0.91351351, 0.0359477, 0.96405229),
}
# NYU Eigen crop in absolute pixels of a 480x640 frame: rows 45:471,
# cols 41:601.
_NYU_EIGEN = (45, 471, 41, 601)
_NYU_SHAPE = (480, 640)


def crop_box(height: int, width: int,
             crop_type: Optional[str]) -> Tuple[int, int, int, int]:
    """Return the evaluation crop ``(top, bottom, left, right)`` (Python
    slice bounds, bottom/right exclusive) of a ``height x width`` frame.

    * ``None``: the whole frame.
    * ``'nyu_eigen'``: rows ``45:471``, cols ``41:601`` of a 480x640 frame.
      Other sizes scale these bounds in proportion, with integer floor
      division: ``top = 45 * H // 480``, ``bottom = 471 * H // 480``,
      ``left = 41 * W // 640``, ``right = 601 * W // 640`` (exact for
      480x640).
    * ``'kitti_garg'``: ``int(0.40810811 H) : int(0.99189189 H)``,
      ``int(0.03594771 W) : int(0.96405229 W)``.
    * ``'kitti_eigen'``: ``int(0.3324324 H) : int(0.91351351 H)``,
      ``int(0.0359477 W) : int(0.96405229 W)``.

    The KITTI fractions are applied to the frame they are given, as the
    original toolbox does on the 352x1216 KB-cropped frame (Garg: rows
    143:349, cols 43:1172).

    Args:
        height (int): Frame height H.
        width (int): Frame width W.
        crop_type (str, optional): One of :data:`CROP_TYPES`.

    Returns:
        tuple[int, int, int, int]: ``(top, bottom, left, right)``.
    """
    if crop_type is None:
        return 0, height, 0, width
    if crop_type == 'nyu_eigen':
        top, bottom, left, right = _NYU_EIGEN
        ref_h, ref_w = _NYU_SHAPE
        return (top * height // ref_h, bottom * height // ref_h,
                left * width // ref_w, right * width // ref_w)
    if crop_type in _KITTI_CROPS:
        t, b, l, r = _KITTI_CROPS[crop_type]
        return (int(t * height), int(b * height), int(l * width),
                int(r * width))
    raise ValueError(f'Unknown crop_type {crop_type!r}; expected one of '
                     f'{list(CROP_TYPES)}.')


#: The keys of the evaluation protocol. Their one home is the dataset's
#: metainfo (``METAINFO`` of the dataset class, overridden by the dataset
#: config), which mmengine's loops hand to the metric and the visualizer
#: as ``dataset_meta``.
EVAL_KEYS: Tuple[str, ...] = ('min_depth_eval', 'max_depth_eval', 'crop_type')


def eval_settings(
        dataset_meta: Optional[Mapping[str, Any]],
        owner: str = 'DepthMetric') -> Tuple[float, float, Optional[str]]:
    """The evaluation range and crop of a dataset.

    Args:
        dataset_meta (Mapping, optional): The dataset's metainfo, with
            ``min_depth_eval``, ``max_depth_eval`` (metres) and
            ``crop_type`` (see :data:`CROP_TYPES`).
        owner (str): Who asks, for the error messages.

    Returns:
        tuple: ``(min_depth_eval, max_depth_eval, crop_type)``.

    Raises:
        KeyError: A key is missing (or there is no ``dataset_meta``).
        ValueError: The range is not ``0 <= min < max`` or the crop is
            unknown.
    """
    meta = dataset_meta or {}
    missing = [key for key in EVAL_KEYS if key not in meta]
    if missing:
        raise KeyError(
            f'{owner}: dataset_meta lacks {missing}. The evaluation range '
            'and crop are set on the dataset only: its METAINFO, or the '
            'dataset config (e.g. val_dataloader = dict(dataset=dict('
            'max_depth_eval=80.))); mmengine passes them on as '
            'dataset_meta.')
    min_eval = float(meta['min_depth_eval'])
    max_eval = float(meta['max_depth_eval'])
    crop_type = meta['crop_type']
    if not 0 <= min_eval < max_eval:
        raise ValueError(f'{owner}: dataset_meta needs 0 <= min_depth_eval < '
                         f'max_depth_eval, got {min_eval} and {max_eval}.')
    if crop_type not in CROP_TYPES:
        raise ValueError(f'{owner}: unknown crop_type {crop_type!r} in '
                         f'dataset_meta; expected one of {list(CROP_TYPES)}.')
    return min_eval, max_eval, crop_type


def eval_mask(gt: Tensor,
              min_depth_eval: float,
              max_depth_eval: float,
              crop_type: Optional[str] = None) -> Tensor:
    """Boolean mask of the pixels to evaluate.

    A pixel is valid when ``min_depth_eval < gt < max_depth_eval`` (both
    strict, as in the original toolbox; NaN/inf ground truth is therefore
    invalid) and it lies inside the crop of :func:`crop_box`.

    Args:
        gt (Tensor): Ground-truth depth in metres, shape ``(..., H, W)``
            (e.g. ``(H, W)``, ``(1, H, W)`` or ``(N, 1, H, W)``).
        min_depth_eval (float): Lower bound (exclusive).
        max_depth_eval (float): Upper bound (exclusive).
        crop_type (str, optional): ``None``, ``'nyu_eigen'``,
            ``'kitti_garg'`` or ``'kitti_eigen'``. Defaults to None.

    Returns:
        Tensor: Bool tensor with the shape of ``gt``.
    """
    if gt.dim() < 2:
        raise ValueError(f'eval_mask expects gt of shape (..., H, W), got '
                         f'{tuple(gt.shape)}.')
    mask = (gt > min_depth_eval) & (gt < max_depth_eval)
    if crop_type is not None:
        height, width = gt.shape[-2:]
        top, bottom, left, right = crop_box(height, width, crop_type)
        crop = torch.zeros((height, width), dtype=torch.bool, device=gt.device)
        crop[top:bottom, left:right] = True
        mask = mask & crop
    return mask


def depth_metrics(pred: Tensor,
                  gt: Tensor,
                  eps: float = 1e-6) -> Dict[str, float]:
    """The nine depth metrics of one image over its valid pixels.

    Computed in float64. The ratio and log terms (``d1``-``d3``,
    ``rmse_log``, ``log10``, ``silog``) use ``max(pred, eps)`` so that a
    non-positive prediction gives a large finite error instead of NaN or a
    wrong sign; ``abs_rel``, ``sq_rel`` and ``rmse`` use ``pred`` as is.
    Callers that want to report how often that happens count
    ``pred < eps`` themselves (:class:`DepthMetric` does). The variance
    inside ``silog`` is clamped at 0 against rounding.

    Args:
        pred (Tensor): Predicted depth of the valid pixels, shape ``(P,)``,
            finite.
        gt (Tensor): Ground-truth depth of the same pixels, shape ``(P,)``,
            all ``> 0``.
        eps (float): Smallest prediction used in ratio/log terms.
            Defaults to 1e-6.

    Returns:
        dict[str, float]: The keys of :data:`METRIC_NAMES`.
    """
    if pred.shape != gt.shape or pred.dim() != 1:
        raise ValueError('depth_metrics expects two 1-D tensors of the same '
                         f'length, got {tuple(pred.shape)} and '
                         f'{tuple(gt.shape)}.')
    if pred.numel() == 0:
        raise ValueError('depth_metrics got no valid pixel.')
    p = pred.detach().to(torch.float64)
    g = gt.detach().to(torch.float64)
    p_pos = p.clamp_min(eps)

    thresh = torch.maximum(g / p_pos, p_pos / g)
    diff = g - p
    log_g, log_p = torch.log(g), torch.log(p_pos)
    err = log_p - log_g
    silog_var = (err.pow(2).mean() - err.mean().pow(2)).clamp_min(0)

    values = {
        'd1': (thresh < 1.25).double().mean(),
        'd2': (thresh < 1.25**2).double().mean(),
        'd3': (thresh < 1.25**3).double().mean(),
        'abs_rel': (diff.abs() / g).mean(),
        'sq_rel': (diff.pow(2) / g).mean(),
        'rmse': diff.pow(2).mean().sqrt(),
        'rmse_log': err.pow(2).mean().sqrt(),
        'log10': (torch.log10(g) - torch.log10(p_pos)).abs().mean(),
        'silog': 100 * silog_var.sqrt(),
    }
    return {k: float(values[k]) for k in METRIC_NAMES}
