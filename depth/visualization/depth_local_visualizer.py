"""Side-by-side ``[image | ground truth | prediction]`` depth panels."""
import os.path as osp
from typing import Any, List, Optional

import cv2
import numpy as np
import torch
from mmengine.utils import mkdir_or_exist
from mmengine.visualization import Visualizer

from depth.registry import VISUALIZERS
from .colormap import colorize


def _depth_array(field: Any) -> Optional[np.ndarray]:
    """``(H, W)`` float array of a PixelData (object or dict) or None."""
    if field is None:
        return None
    data = field['data'] if isinstance(field, dict) else field.data
    if isinstance(data, torch.Tensor):
        data = data.detach().cpu().numpy()
    data = np.asarray(data, dtype=np.float32)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    return data


@VISUALIZERS.register_module()
class DepthLocalVisualizer(Visualizer):
    """Draws ``[image | ground truth | prediction]`` panels.

    Depth panels use one fixed colour range ``[vmin, vmax]`` for all
    images (so colours are comparable) and paint invalid GT (``<= 0``)
    grey. The range comes from the ``add_datasample`` arguments, else the
    constructor's, else ``dataset_meta`` (``min_depth_eval`` /
    ``max_depth_eval``, then ``min_depth`` / ``max_depth``), else the
    valid values of the sample's own GT and prediction (shared by both
    panels).

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
                 **kwargs) -> None:
        super().__init__(
            name=name,
            image=image,
            vis_backends=vis_backends,
            save_dir=save_dir,
            **kwargs)
        self.cmap = cmap
        self.vmin = vmin
        self.vmax = vmax
        self.invalid_color = tuple(invalid_color)

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
        """Draw ``[image | gt | pred]`` and show, save or log it.

        Depth maps of another size than the image are resized to it with
        nearest-neighbour interpolation. Panels without data (no GT in the
        sample, or ``draw_gt=False``) are left out.

        Unlike mmseg's, this method is not ``master_only``: with
        ``out_file`` every rank writes its own images (so a distributed
        ``--show-dir`` run saves all of them), while ``show`` and the
        backends (``add_image``) stay rank-0 only, as mmengine defines
        them.

        Args:
            name (str): Image identifier (window title, backend tag).
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

        maps = []
        if data_sample is not None:
            getter = data_sample.get
            if draw_gt:
                gt = _depth_array(getter('gt_depth_map', None))
                if gt is not None:
                    maps.append(gt)
            if draw_pred:
                pred = _depth_array(getter('pred_depth_map', None))
                if pred is not None:
                    maps.append(pred)
        lo, hi = self._range(vmin, vmax, maps)

        panels = [image]
        for depth in maps:
            if depth.shape != (height, width):
                depth = cv2.resize(
                    depth, (width, height), interpolation=cv2.INTER_NEAREST)
            panels.append(
                colorize(
                    depth,
                    lo,
                    hi,
                    cmap=self.cmap,
                    invalid_color=self.invalid_color))
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
