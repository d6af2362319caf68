"""Build a depther from a config file and predict depth for single images.

Example::

    from depth.apis import inference_model, init_model

    model = init_model('configs/densedepth/mobilenetv2_synthetic.py',
                       'work_dirs/mobilenetv2_synthetic/iter_1600.pth',
                       device='cpu')
    sample = inference_model(model, 'demo.png')  # or an HxWx3 BGR array
    depth = sample.pred_depth_map.data[0]        # (H, W) metres
"""
import copy
import os
import os.path as osp
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import DefaultScope, init_default_scope
from mmengine.runner import load_checkpoint

from depth.registry import DATASETS, MODELS, TRANSFORMS
from depth.structures import DepthDataSample

ImageType = Union[str, os.PathLike, np.ndarray]
ImagesType = Union[ImageType, Sequence[ImageType]]

# Transforms that load ground truth: dropped from the inference pipeline.
_GT_LOADERS = ('LoadDepthAnnotation', )
# Transforms that read the image; replaced by `_load_image`.
_IMG_LOADERS = ('LoadImageFromFile', 'LoadImageFromNDArray')
# Metainfo keys copied from a dataset config into ``dataset_meta``.
_META_KEYS = ('depth_scale', 'min_depth_eval', 'max_depth_eval', 'crop_type')


def _type_name(transform_cfg: Any) -> str:
    """Registered name of a transform config without its scope
    (``'mmcv.LoadImageFromFile'`` -> ``'LoadImageFromFile'``)."""
    if not isinstance(transform_cfg, dict):
        return type(transform_cfg).__name__
    t = transform_cfg.get('type', '')
    if isinstance(t, type):
        return t.__name__
    return str(t).split('.')[-1]


def pretrained_off(cfg: Any) -> Any:
    """Switch off every pretrained weight of a model config, in place.

    Every ``pretrained`` becomes ``None`` and every ``init_cfg`` of type
    ``'Pretrained'`` is removed (a list keeps its other entries), at any
    depth of the config, whatever the model type: the checkpoint given to
    :func:`init_model` provides the weights.
    """
    if isinstance(cfg, dict):
        for key in list(cfg.keys()):
            value = cfg[key]
            if key == 'pretrained':
                cfg[key] = None
            elif key == 'init_cfg' and isinstance(value, dict):
                if value.get('type') == 'Pretrained':
                    cfg[key] = None
            elif key == 'init_cfg' and isinstance(value, (list, tuple)):
                kept = [
                    c for c in value if not (
                        isinstance(c, dict) and c.get('type') == 'Pretrained')
                ]
                cfg[key] = kept or None
            else:
                pretrained_off(value)
    elif isinstance(cfg, (list, tuple)):
        for item in cfg:
            pretrained_off(item)
    return cfg


def _dataset_meta_from_cfg(cfg: Config) -> dict:
    """``METAINFO`` of the test (else val) dataset class, updated with the
    dataset config's ``metainfo`` and explicit overrides, without building
    the dataset (which would need its files)."""
    for loader_key in ('test_dataloader', 'val_dataloader'):
        dataset = (cfg.get(loader_key) or {}).get('dataset')
        if not isinstance(dataset, dict):
            continue
        ds_type = dataset.get('type')
        if isinstance(ds_type, str):
            with DefaultScope.overwrite_default_scope(
                    cfg.get('default_scope', 'depth')):
                ds_cls = DATASETS.get(ds_type)
        else:
            ds_cls = ds_type
        meta = dict(getattr(ds_cls, 'METAINFO', None) or {})
        if isinstance(dataset.get('metainfo'), dict):
            meta.update(dataset['metainfo'])
        for key in _META_KEYS:
            if dataset.get(key) is not None:
                meta[key] = dataset[key]
        return meta
    return {}


def init_model(config: Union[str, os.PathLike, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               cfg_options: Optional[dict] = None,
               strict: bool = True) -> nn.Module:
    """Build a depther from a config and load a checkpoint.

    Pretrained weights named in the config are switched off first (every
    ``pretrained`` set to ``None``, every ``init_cfg`` of type
    ``'Pretrained'`` removed): the checkpoint holds the trained weights, and
    the backbone files need not exist. The model is built under the
    config's ``default_scope`` (``'depth'``). The checkpoint is read with
    mmengine's ``load_checkpoint``, i.e. ``torch.load(weights_only=True)``
    on torch >= 2.6; importing ``depth`` allow-lists the few non-tensor
    types our checkpoints hold, so checkpoints written by ``tools/train.py``
    load without ``weights_only=False``.

    Args:
        config (str | PathLike | Config): Config file path or object (a
            ``Config`` is copied, not modified).
        checkpoint (str, optional): Checkpoint path. None: random weights.
        device (str): Device to put the model on, e.g. ``'cpu'``,
            ``'cuda:0'``. On CPU, SyncBN layers are reverted to BatchNorm.
            Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config,
            e.g. ``{'model.decode_head.max_depth': 80}``.
        strict (bool): Refuse a checkpoint with missing, unexpected or
            mis-shaped keys (a ``RuntimeError`` listing them), so that no
            part of the model is silently left random. Defaults to True.

    Returns:
        nn.Module: The depther in eval mode, with ``model.cfg`` (the config
        used) and ``model.dataset_meta`` (from the checkpoint's
        ``meta.dataset_meta`` when present, else the ``METAINFO`` of the
        config's test dataset, else ``{}``).

    Raises:
        TypeError: If ``config`` is neither a path nor a ``Config``.
        KeyError: If the config has no ``model``.
    """
    if isinstance(config, (str, os.PathLike)):
        cfg = Config.fromfile(os.fspath(config))
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        raise TypeError('init_model: config must be a file path or a '
                        f'mmengine Config, got {type(config).__name__}')
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if 'model' not in cfg:
        raise KeyError(f'init_model: the config {cfg.filename} has no '
                       '`model`')
    pretrained_off(cfg.model)
    init_default_scope(cfg.get('default_scope', 'depth'))
    model = MODELS.build(cfg.model)

    dataset_meta = None
    if checkpoint is not None:
        ckpt = load_checkpoint(
            model, checkpoint, map_location='cpu', strict=strict)
        meta = ckpt.get('meta') if isinstance(ckpt, dict) else None
        if isinstance(meta, dict):
            dataset_meta = meta.get('dataset_meta')
    if not dataset_meta:
        dataset_meta = _dataset_meta_from_cfg(cfg)
    model.cfg = cfg
    model.dataset_meta = dataset_meta
    if torch.device(device).type == 'cpu':
        model = revert_sync_batchnorm(model)
    model.to(device)
    model.eval()
    return model


def _inference_pipeline_cfg(cfg: Config) -> tuple:
    """Split the config's test pipeline into the image loader config and
    the remaining transforms, without ground-truth loading.

    Returns:
        tuple: ``(loader_cfg, transforms)``; ``loader_cfg`` is the
        pipeline's ``LoadImageFromFile`` config (a default one if absent).
    """
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    pipeline = dataset.get('pipeline') if isinstance(dataset, dict) else None
    if pipeline is None:
        pipeline = cfg.get('test_pipeline')
    if pipeline is None:
        raise KeyError('inference_model: the config has neither '
                       '`test_dataloader.dataset.pipeline` nor '
                       '`test_pipeline`')
    loader_cfg = None
    transforms = []
    for t in copy.deepcopy(list(pipeline)):
        name = _type_name(t)
        if name in _IMG_LOADERS:
            if loader_cfg is None:
                loader_cfg = t
            continue
        if name in _GT_LOADERS:
            continue
        if name == 'TestTimeAug':
            raise ValueError(
                'inference_model runs one view per image; the test pipeline '
                'holds TestTimeAug (use tools/test.py --tta for flip '
                'averaging)')
        transforms.append(t)
    if loader_cfg is None or _type_name(loader_cfg) != 'LoadImageFromFile':
        loader_cfg = dict(type='LoadImageFromFile')
    return loader_cfg, transforms


def _load_image(item: ImageType, index: int, loader: Any) -> dict:
    """Results dict with ``img``, ``img_shape`` and ``ori_shape`` from a
    path (read by the pipeline's ``LoadImageFromFile``) or an ``(H, W, 3)``
    BGR array."""
    if isinstance(item, np.ndarray):
        if item.ndim != 3 or item.shape[2] != 3:
            raise ValueError(
                f'inference_model: image {index} must be an (H, W, 3) BGR '
                f'array, got shape {item.shape}')
        if item.dtype != np.uint8:
            raise ValueError(
                f'inference_model: image {index} is a {item.dtype} array; '
                'pass uint8 BGR values 0-255 as cv2.imread returns (the '
                'normalisation assumes that range: a uint16 or float image '
                'would give wrong depth)')
        img = item
        if getattr(loader, 'to_float32', False):
            img = img.astype(np.float32)
        return dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
    if isinstance(item, (str, os.PathLike)):
        path = os.fspath(item)
        if '://' not in path and not osp.isfile(path):
            raise FileNotFoundError(
                f'inference_model: image {index} not found: {path}')
        results = loader(dict(img_path=path))
        if results is None:
            raise ValueError(
                f'inference_model: image {index} ({path}) could not be read')
        return results
    raise TypeError(
        f'inference_model: image {index} must be a path or an (H, W, 3) '
        f'array, got {type(item).__name__}')


def inference_model(
        model: nn.Module,
        img: ImagesType) -> Union[DepthDataSample, List[DepthDataSample]]:
    """Predict depth for one image or a list of images.

    The config's test pipeline (``model.cfg.test_dataloader.dataset
    .pipeline``, else ``model.cfg.test_pipeline``) is applied without its
    ground-truth loading (``LoadDepthAnnotation`` is dropped); its
    ``LoadImageFromFile`` reads paths and is skipped for arrays. Frame
    crops such as ``KBCrop`` are kept, so the prediction covers the
    cropped frame, as in evaluation.

    Args:
        model (nn.Module): A depther from :func:`init_model` (it needs
            ``model.cfg``).
        img (str | PathLike | np.ndarray | list): An image path, an
            ``(H, W, 3)`` uint8 BGR array (as ``cv2.imread`` returns), or a
            list of them (run as one batch).

    Returns:
        DepthDataSample | list[DepthDataSample]: One sample per image (a
        list if ``img`` is a list) with ``pred_depth_map`` (``PixelData``,
        ``(1, H, W)`` metres) at the image's original size, or at the crop
        size when the pipeline crops (e.g. 352x1216 after ``KBCrop``).

    Raises:
        AttributeError: If the model has no ``cfg``.
        ValueError, TypeError, FileNotFoundError: For an input that is not
            an image path or an ``(H, W, 3)`` array, naming its index.
    """
    cfg = getattr(model, 'cfg', None)
    if cfg is None:
        raise AttributeError('inference_model: the model has no `cfg`; build '
                             'it with depth.apis.init_model')
    is_batch = isinstance(img, (list, tuple))
    imgs = list(img) if is_batch else [img]
    if not imgs:
        raise ValueError('inference_model: empty image list')

    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'depth')):
        loader_cfg, transforms = _inference_pipeline_cfg(cfg)
        loader = TRANSFORMS.build(loader_cfg)
        pipeline = Compose(transforms)

    inputs, data_samples = [], []
    for i, item in enumerate(imgs):
        packed = pipeline(_load_image(item, i, loader))
        if packed is None:
            raise ValueError(f'inference_model: the test pipeline dropped '
                             f'image {i}')
        inputs.append(packed['inputs'])
        data_samples.append(packed['data_samples'])
    with torch.no_grad():
        results = model.test_step(
            dict(inputs=inputs, data_samples=data_samples))
    return results if is_batch else results[0]
