"""Tiny samples, batches and configs for tests."""
import os.path as osp
from typing import Any, Dict, Optional, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from torch import Tensor

from depth.apis import pretrained_off
from depth.structures import DepthDataSample

#: The repository's ``configs`` folder.
CONFIG_ROOT = osp.join(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'configs')


def random_depth_map(h: int,
                     w: int,
                     depth_range: Tuple[float, float] = (0.5, 9.5),
                     invalid_rows: int = 0,
                     generator: Optional[torch.Generator] = None) -> Tensor:
    """A ``(1, h, w)`` depth map, uniform in ``depth_range``, with its top
    ``invalid_rows`` rows 0 (invalid, as sky or missing LiDAR)."""
    lo, hi = depth_range
    gt = torch.rand(1, h, w, generator=generator) * (hi - lo) + lo
    gt[:, :invalid_rows] = 0
    return gt


def _pixel_data(value: Any) -> PixelData:
    data = torch.as_tensor(
        np.asarray(value) if not isinstance(value, Tensor) else value,
        dtype=torch.float32)
    if data.dim() == 2:
        data = data[None]
    return PixelData(data=data)


def depth_sample(gt: Any = None,
                 pred: Any = None,
                 **metainfo) -> DepthDataSample:
    """A :class:`DepthDataSample` with the given metainfo.

    Args:
        gt: Ground truth ``(H, W)`` or ``(1, H, W)`` (tensor or array) for
            ``gt_depth_map``, or None.
        pred: Likewise for ``pred_depth_map``.
        **metainfo: e.g. ``img_shape``, ``ori_shape``, ``img_path``.
    """
    sample = DepthDataSample(metainfo=metainfo)
    if gt is not None:
        sample.gt_depth_map = _pixel_data(gt)
    if pred is not None:
        sample.pred_depth_map = _pixel_data(pred)
    return sample


def demo_batch(n: int = 2,
               h: int = 64,
               w: int = 96,
               max_depth: float = 10.,
               seed: int = 0,
               **metainfo) -> Dict[str, list]:
    """A data-preprocessor input: ``n`` random uint8 images ``(3, h, w)``
    and samples whose ground truth is uniform in
    ``(0.5, max_depth - 0.5)`` with the top quarter of rows invalid.

    Returns:
        dict: ``inputs`` (list of uint8 tensors) and ``data_samples``.
    """
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(
            torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        gt = random_depth_map(h, w, (0.5, max_depth - 0.5), h // 4, g)
        samples.append(
            depth_sample(gt, img_shape=(h, w), ori_shape=(h, w), **metainfo))
    return dict(inputs=inputs, data_samples=samples)


def get_config(path: str, pretrained: bool = False) -> Config:
    """Load a config by its path under ``configs/`` (e.g.
    ``'depthformer/swint_nyu.py'``) or an absolute path, with every
    pretrained weight switched off unless ``pretrained``."""
    full = path if osp.isabs(path) else osp.join(CONFIG_ROOT, path)
    if not osp.isfile(full):
        raise FileNotFoundError(f'get_config: no config {full}')
    cfg = Config.fromfile(full)
    if not pretrained and 'model' in cfg:
        pretrained_off(cfg.model)
    return cfg


def depth_metric(min_depth_eval: float = 1e-3,
                 max_depth_eval: float = 10.,
                 crop_type: Optional[str] = None,
                 **dataset_meta: Any) -> Any:
    """A :class:`~depth.evaluation.DepthMetric` attached to a dataset meta,
    as mmengine's loops attach it to the dataset's metainfo.

    Args:
        min_depth_eval, max_depth_eval (float): Evaluation range, metres.
        crop_type (str, optional): Evaluation crop.
        **dataset_meta: Further ``dataset_meta`` entries
            (``median_train_depth``, ``depth_scale``, ...), and the metric's
            own arguments under ``metric_args=dict(...)``.

    Returns:
        DepthMetric: The metric, ``dataset_meta`` set.
    """
    from depth.evaluation import DepthMetric
    metric = DepthMetric(**dataset_meta.pop('metric_args', {}))
    metric.dataset_meta = dict(
        min_depth_eval=min_depth_eval,
        max_depth_eval=max_depth_eval,
        crop_type=crop_type,
        **dataset_meta)
    return metric
