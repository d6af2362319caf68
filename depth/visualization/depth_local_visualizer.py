"""Depth panels: ``[image | ground truth | prediction | abs_rel error]``
with titles, colour bars in metres and per-image metrics."""
import os.path as osp
from typing import Any, List, Optional

import cv2
import numpy as np
import torch
from mmengine.utils import mkdir_or_exist
from mmengine.visualization import Visualizer

from depth.evaluation.functional import (EVAL_KEYS, depth_metrics, eval_mask,
                                         eval_settings)
from depth.registry import VISUALIZERS
from depth.structures import depth_map_array
from .colormap import colorize
from .drawing import abs_rel_map, add_colorbar, add_title, hstack_panels


def _depth_array(field: Any) -> Optional[np.ndarray]:
    """``(H, W)`` float array of a PixelData (object or dict) or None."""
    return None if field is None else depth_map_array(field)


@VISUALIZERS.register_module()
class DepthLocalVisualizer(Visualizer):
    """Draws depth panels for validation, testing and demos.

    ``style='annotated'`` (default), one row of titled panels:

    * ``image`` (with the image name);
    * ``ground truth`` coloured with a colour bar in metres, invalid pixels
      (``<= 0``) grey;
    * ``prediction``, same colours and bar;
    * ``abs_rel error`` ``|pred - gt| / gt`` where the ground truth is
      valid for the metric (range and crop), on its own scale
      ``[0, error_vmax]`` (values above take the end colour), grey
      elsewhere;

    and a strip above with the image's own metrics (``abs_rel``, ``rmse``,
    ``d1``, ``silog``), computed as :class:`DepthMetric` does for one image
    (``min_depth_eval``/``max_depth_eval``/``crop_type`` from
    ``dataset_meta``, as the metric reads them; without them 1e-3, 10 and
    no crop). Panels without data are left out (no
    GT: no GT, error or metrics).

    ``style='plain'``: the bare ``[image | gt | pred]`` colour maps, no
    text (same size as the image per panel).

    Depth panels use one fixed colour range ``[vmin, vmax]`` for all
    images (so colours are comparable). The range comes from the
    ``add_datasample`` arguments, else the constructor's, else
    ``dataset_meta`` (``min_depth_eval`` / ``max_depth_eval``, then
    ``min_depth`` / ``max_depth``), else the valid values of the sample's
    own GT and prediction (shared by both panels).

    Panels are written with ``out_file``, or sent to the vis backends
    (``LocalVisBackend``, ``TensorboardVisBackend``, ...) with
    ``add_image``.

    Args:
        name (str): Instance name. Defaults to 'visualizer'.
        image (np.ndarray, optional): Initial image. Defaults to None.
        vis_backends (list[dict], optional): Vis backend configs.
            Defaults to None.
        save_dir (str, optional): Where backends save. Defaults to None.
        cmap (str): Colormap, see
            :func:`depth.visualization.colormap.colormap_lut`.
            Defaults to 'magma_r'.
        vmin (float, optional): Default depth of the first colour.
            Defaults to None.
        vmax (float, optional): Default depth of the last colour.
            Defaults to None.
        invalid_color (tuple[int]): RGB of invalid GT pixels.
            Defaults to (128, 128, 128).
        style (str): ``'annotated'`` or ``'plain'``. Defaults to
            'annotated'.
        error_cmap (str): Colormap of the error panel. Defaults to
            'inferno'.
        error_vmax (float): ``abs_rel`` of the last error colour.
            Defaults to 0.5.
        **kwargs: Passed to :class:`mmengine.visualization.Visualizer`.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 cmap: str = 'magma_r',
                 vmin: Optional[float] = None,
                 vmax: Optional[float] = None,
                 invalid_color: tuple = (128, 128, 128),
                 style: str = 'annotated',
                 error_cmap: str = 'inferno',
                 error_vmax: float = 0.5,
                 **kwargs) -> None:
        super().__init__(
            name=name,
            image=image,
            vis_backends=vis_backends,
            save_dir=save_dir,
            **kwargs)
        if style not in ('annotated', 'plain'):
            raise ValueError("DepthLocalVisualizer: style must be "
                             f"'annotated' or 'plain', got {style!r}")
        if not error_vmax > 0:
            raise ValueError('DepthLocalVisualizer: error_vmax must be > 0, '
                             f'got {error_vmax}')
        self.cmap = cmap
        self.vmin = vmin
        self.vmax = vmax
        self.invalid_color = tuple(invalid_color)
        self.style = style
        self.error_cmap = error_cmap
        self.error_vmax = float(error_vmax)

    def _range(self, vmin: Optional[float], vmax: Optional[float],
               maps: List[np.ndarray]) -> tuple:
        meta = self.dataset_meta or {}
        if vmin is None:
            vmin = self.vmin
        if vmin is None:
            vmin = meta.get('min_depth_eval', meta.get('min_depth'))
        if vmax is None:
            vmax = self.vmax
        if vmax is None:
            vmax = meta.get('max_depth_eval', meta.get('max_depth'))
        if vmin is None or vmax is None:
            values = [m[np.isfinite(m) & (m > 0)] for m in maps]
            values = np.concatenate([v.ravel() for v in values] +
                                    [np.zeros(0, np.float32)])
            if vmin is None:
                vmin = float(values.min()) if values.size else 0.
            if vmax is None:
                vmax = float(values.max()) if values.size else 1.
        return float(vmin), float(vmax)

    def _eval_settings(self) -> tuple:
        """Range and crop of ``dataset_meta`` (their one home), else
        1e-3, 10 and no crop."""
        meta = self.dataset_meta or {}
        if not any(key in meta for key in EVAL_KEYS):
            return 1e-3, 10., None
        return eval_settings(meta, type(self).__name__)

    def image_metrics(self,
                      pred: np.ndarray,
                      gt: np.ndarray,
                      data_sample: Any = None) -> tuple:
        """Metrics of one image and the mask they are computed on.

        Args:
            pred, gt (np.ndarray): ``(H, W)`` metres, same shape.
            data_sample (optional): Unused; kept for callers that pass
                it (the range and crop come from ``dataset_meta``).

        Returns:
            tuple: ``(metrics, mask)``, metrics a dict (empty without a
            valid pixel), mask ``(H, W)`` bool.
        """
        min_eval, max_eval, crop_type = self._eval_settings()
        gt_t = torch.from_numpy(np.ascontiguousarray(gt))
        mask = eval_mask(gt_t, min_eval, max_eval, crop_type)
        if not bool(mask.any()):
            return {}, mask.numpy()
        pred_t = torch.from_numpy(np.ascontiguousarray(pred))
        metrics = depth_metrics(pred_t[mask], gt_t[mask])
        return metrics, mask.numpy()

    def _annotated(self, name: str, image: np.ndarray,
                   gt: Optional[np.ndarray], pred: Optional[np.ndarray],
                   lo: float, hi: float, data_sample: Any) -> np.ndarray:
        panels = [add_title(image, _short(name, image.shape[1]))]
        for depth, title in ((gt, 'ground truth'), (pred, 'prediction')):
            if depth is not None:
                coloured = colorize(
                    depth,
                    lo,
                    hi,
                    cmap=self.cmap,
                    invalid_color=self.invalid_color)
                panels.append(
                    add_title(
                        add_colorbar(coloured, lo, hi, self.cmap), title))
        lines = []
        if gt is not None and pred is not None:
            metrics, mask = self.image_metrics(pred, gt, data_sample)
            err = abs_rel_map(pred, gt, mask)
            # error 0 -> first colour; invalid (NaN) -> grey; colorize
            # treats <= 0 as invalid, so shift by a tiny offset
            shifted = np.where(np.isfinite(err), err + 1e-12, 0.)
            err_img = colorize(
                shifted,
                0.,
                self.error_vmax,
                cmap=self.error_cmap,
                invalid_color=self.invalid_color)
            panels.append(
                add_title(
                    add_colorbar(
                        err_img, 0., self.error_vmax, self.error_cmap,
                        unit=''), 'abs_rel error |pred-gt|/gt'))
            if metrics:
                lines.append(
                    f"abs_rel {metrics['abs_rel']:.3f}  rmse "
                    f"{metrics['rmse']:.3f} m  d1 {metrics['d1']:.3f}  "
                    f"silog {metrics['silog']:.2f}  ({int(mask.sum())} "
                    'valid pixels)')
            else:
                lines.append('no valid ground-truth pixel: no metric')
        drawn = hstack_panels(panels)
        if lines:
            drawn = add_title(drawn, lines[0])
        return drawn

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[Any] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       vmin: Optional[float] = None,
                       vmax: Optional[float] = None) -> None:
        """Draw the panels (see the class) and show, save or log them.

        Depth maps of another size than the image are resized to it with
        nearest-neighbour interpolation. Panels without data (no GT in the
        sample, or ``draw_gt=False``) are left out.

        Unlike mmseg's, this method is not ``master_only``: with
        ``out_file`` every rank writes its own images (so a distributed
        ``--show-dir`` run saves all of them), while ``show`` and the
        backends (``add_image``) stay rank-0 only, as mmengine defines
        them.

        Args:
            name (str): Image identifier (window title, backend tag, the
                image panel's title).
            image (np.ndarray): RGB image, ``(H, W, 3)`` uint8.
            data_sample (DepthDataSample | dict, optional): Holds
                ``gt_depth_map`` and/or ``pred_depth_map``, ``(1, h, w)``
                metres. Defaults to None.
            draw_gt (bool): Draw the ground truth. Defaults to True.
            draw_pred (bool): Draw the prediction. Defaults to True.
            show (bool): Display the panel. Defaults to False.
            wait_time (float): Display time in seconds. Defaults to 0.
            out_file (str, optional): Write the panel there (RGB -> BGR,
                folders created) instead of sending it to the backends.
                Defaults to None.
            step (int): Global step for the backends. Defaults to 0.
            vmin (float, optional): Depth of the first colour.
                Defaults to None.
            vmax (float, optional): Depth of the last colour.
                Defaults to None.
        """
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError('DepthLocalVisualizer expects an RGB image of '
                             f'shape (H, W, 3), got {image.shape}.')
        image = image.astype(np.uint8)
        height, width = image.shape[:2]

        gt = pred = None
        if data_sample is not None:
            getter = data_sample.get
            if draw_gt:
                gt = _depth_array(getter('gt_depth_map', None))
            if draw_pred:
                pred = _depth_array(getter('pred_depth_map', None))

        def fit(depth: Optional[np.ndarray]) -> Optional[np.ndarray]:
            if depth is not None and depth.shape != (height, width):
                depth = cv2.resize(
                    depth, (width, height), interpolation=cv2.INTER_NEAREST)
            return depth

        gt, pred = fit(gt), fit(pred)
        maps = [m for m in (gt, pred) if m is not None]
        lo, hi = self._range(vmin, vmax, maps)

        if self.style == 'annotated':
            drawn = self._annotated(name, image, gt, pred, lo, hi, data_sample)
        else:
            panels = [image] + [
                colorize(
                    depth,
                    lo,
                    hi,
                    cmap=self.cmap,
                    invalid_color=self.invalid_color) for depth in maps
            ]
            drawn = np.concatenate(panels, axis=1)
        self.set_image(drawn)

        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mkdir_or_exist(osp.dirname(osp.abspath(out_file)))
            if not cv2.imwrite(out_file, drawn[..., ::-1].copy()):
                raise OSError(
                    f'DepthLocalVisualizer could not write {out_file}.')
        else:
            self.add_image(name, drawn, step)


def _short(text: str, width: int) -> str:
    """``text`` cut from the left to about what fits in ``width`` pixels
    of title text."""
    room = max(8, width // 9)
    return text if len(text) <= room else '...' + text[-(room - 3):]
