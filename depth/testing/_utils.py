"""Tiny samples, batches and configs for tests."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys
from types import ModuleType
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
#: The repository's root folder (``configs``, ``tools``); tools run here.
REPO_ROOT = osp.dirname(CONFIG_ROOT)


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


def read_key_shapes(path: str) -> Dict[str, Tuple[int, ...]]:
    """Read a committed key list: one ``'<key> <shape>'`` a line, the shape
    comma-separated (``3,4``) or ``-`` for a scalar; ``#`` lines and blank
    lines are skipped.

    Args:
        path (str): The key list file.

    Returns:
        dict: ``{key: shape}`` in file order.
    """
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            key, shape = line.split()
            out[key] = () if shape == '-' else tuple(
                int(s) for s in shape.split(',') if s)
    return out


def random_release_state(key_shapes: Dict[str, Tuple[int, ...]],
                         seed: int = 0) -> Dict[str, Tensor]:
    """A state dict for a key list, as a released checkpoint would hold it:
    standard-normal tensors, but the real Swin ``relative_position_index``
    buffers and ``num_batches_tracked`` 7.

    Args:
        key_shapes (dict): ``{key: shape}``, e.g. from
            :func:`read_key_shapes`.
        seed (int): Seed of the generator the tensors are drawn from.

    Returns:
        dict: ``{key: tensor}``.
    """
    from depth.models.backbones.swin_layers import relative_position_index
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in key_shapes.items():
        if key.endswith('relative_position_index'):
            state[key] = relative_position_index(int(round(shape[0]**0.5)))
        elif key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        else:
            state[key] = torch.randn(shape, generator=g)
    return state


def run_tool(*args: str,
             timeout: float = 600,
             **env: str) -> subprocess.CompletedProcess:
    """Run ``python *args`` in :data:`REPO_ROOT`, output captured as text.

    Args:
        *args (str): The script (e.g. ``'tools/test.py'``) and its
            arguments.
        timeout (float): Seconds before :class:`subprocess.TimeoutExpired`.
        **env (str): Variables set on top of ``os.environ``
            (``PYTHONPATH=REPO_ROOT``, ...); none: the environment is
            inherited as it is.

    Returns:
        subprocess.CompletedProcess: With ``returncode``, ``stdout`` and
        ``stderr``; a failure is not raised.
    """
    return subprocess.run([sys.executable, *args],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, **env) if env else None,
                          capture_output=True,
                          text=True,
                          timeout=timeout)


def load_script(path: str, name: Optional[str] = None) -> ModuleType:
    """Import a script that is no package module (a ``tools/`` command, a
    reference implementation beside a test) from its file.

    Args:
        path (str): The file, relative to :data:`REPO_ROOT` (e.g.
            ``'tools/infer.py'``) or absolute.
        name (str, optional): The module's name; the file's stem by
            default.

    Returns:
        module: The executed module (not put into ``sys.modules``).
    """
    full = path if osp.isabs(path) else osp.join(REPO_ROOT, path)
    if name is None:
        name = osp.splitext(osp.basename(full))[0]
    spec = importlib.util.spec_from_file_location(name, full)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def loss_and_predict(
    model: Any,
    batch: Dict[str, list],
    test_batch: Optional[Dict[str, list]] = None
) -> Tuple[Dict[str, Tensor], list]:
    """One training step's loss (finite, back-propagated), then predictions,
    each batch through the model's data preprocessor as the loops do.

    Args:
        model (BaseDepther): The model, put in train then eval mode.
        batch (dict): ``inputs`` and ``data_samples`` (e.g.
            :func:`demo_batch`) for the loss.
        test_batch (dict, optional): Likewise for the predictions;
            ``batch`` again by default.

    Returns:
        tuple: The losses (dict) and the predicted samples (list).
    """
    model.train()
    data = model.data_preprocessor(batch, True)
    losses = model(**data, mode='loss')
    total = sum(losses.values())
    assert torch.isfinite(total), losses
    total.backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            batch if test_batch is None else test_batch, False)
        preds = model(**data, mode='predict')
    return losses, preds


def image_and_depth_files(folder: str,
                          img: np.ndarray,
                          depth: np.ndarray,
                          depth_scale: float = 1000.,
                          name: str = 'a') -> Dict[str, Any]:
    """Write an image and its depth map as PNG files, and give the pipeline
    input a dataset would give for them.

    Args:
        folder (str): Where ``<name>.png`` and ``<name>_d.png`` go (made if
            missing).
        img (np.ndarray): The image, as ``cv2.imwrite`` takes it (BGR).
        depth (np.ndarray): The depth map as stored (e.g. uint16 mm).
        depth_scale (float): Stored value per metre.
        name (str): The files' stem.

    Returns:
        dict: ``img_path``, ``depth_map_path``, ``depth_scale`` and empty
        ``depth_fields``, for ``LoadImageFromFile`` and
        ``LoadDepthAnnotation``.
    """
    import cv2
    folder = str(folder)
    os.makedirs(folder, exist_ok=True)
    img_path = osp.join(folder, f'{name}.png')
    depth_path = osp.join(folder, f'{name}_d.png')
    assert cv2.imwrite(img_path, img), img_path
    assert cv2.imwrite(depth_path, depth), depth_path
    return dict(
        img_path=img_path,
        depth_map_path=depth_path,
        depth_scale=depth_scale,
        depth_fields=[])
