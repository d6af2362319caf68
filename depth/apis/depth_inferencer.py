"""Depth inference on images, folders and arrays with mmengine's
``BaseInferencer`` (the OpenMMLab convention of mmseg's
``MMSegInferencer``).

Example::

    from depth.apis import DepthInferencer

    inferencer = DepthInferencer('configs/densedepth/mobilenetv2_synthetic.py',
                                 'work_dirs/mobilenetv2_synthetic/iter_1600.pth',
                                 device='cpu')
    result = inferencer('photos/', batch_size=4)
    depth = result['predictions'][0]     # (H, W) float32 metres
"""
import copy
import difflib
import glob
import logging
import os
import os.path as osp
from typing import Any, Iterable, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.image.geometric import rescale_size
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.infer import BaseInferencer
from mmengine.logging import print_log
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData

from depth.registry import TRANSFORMS
from depth.visualization.drawing import render_depth_panel
from .inference import (_inference_pipeline_cfg, _load_image, _type_name,
                        init_model)

InputType = Union[str, os.PathLike, np.ndarray]
InputsType = Union[InputType, Sequence[InputType]]

#: Extensions of the images found in folders and globs.
IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp',
                  '.ppm', '.pgm')
# Transforms of a test pipeline that change the frame or its size: the
# inferencer replaces them with its own resize to the working size, so that
# any photo (not only a 375x1242 KITTI frame) is predicted whole.
_FRAME_TRANSFORMS = ('KBCrop', 'NYUCrop', 'RandomCrop', 'CenterCrop', 'Resize',
                     'RandomResize', 'Pad')
# Test resolution (H, W) of datasets whose test pipeline has no resize.
_DATASET_SIZES = {
    'KITTIDataset': (352, 1216),  # the KB crop of the benchmark
    'NYUDataset': (480, 640),
}
_REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def find_config(name: str) -> str:
    """Path of a config of ``configs/`` given by name: ``'swint_nyu'``,
    ``'depthformer/swint_nyu'`` or ``'depthformer/swint_nyu.py'``.

    Args:
        name (str): Config name (the model-zoo names of
            ``docs/model_zoo.md`` are config names).

    Raises:
        FileNotFoundError: If no or several configs match, with the closest
            names.
    """
    config_root = osp.join(_REPO_ROOT, 'configs')
    stem = name[:-3] if name.endswith('.py') else name
    paths = sorted(
        glob.glob(osp.join(config_root, '**', '*.py'), recursive=True))
    names = {
        osp.relpath(p, config_root)[:-3].replace(os.sep, '/'): p
        for p in paths if '_base_' not in p
    }
    if stem in names:
        return names[stem]
    matches = [p for n, p in names.items() if n.split('/')[-1] == stem]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise FileNotFoundError(
            f'DepthInferencer: {name!r} names several configs: '
            f'{sorted(matches)}; give the folder too')
    close = difflib.get_close_matches(stem, list(names), n=3, cutoff=0.4)
    raise FileNotFoundError(
        f'DepthInferencer: {name!r} is neither a config file nor a config '
        f'name of {config_root}' + (f' (closest: {close})' if close else ''))


def test_resolution(cfg: Config) -> Optional[Tuple[int, int]]:
    """The ``(H, W)`` working resolution of a config's test setting.

    In order: the scale of a ``Resize`` in the test pipeline, the size of
    a ``KBCrop`` (352x1216), the test dataset's ``img_size`` (the synthetic
    dataset), the known frame size of its type (KITTI 352x1216, NYU
    480x640); None when none applies.

    Args:
        cfg (Config): A depth config.
    """
    dataset = (cfg.get('test_dataloader') or {}).get('dataset') or {}
    pipeline = (dataset.get('pipeline') if isinstance(dataset, dict) else
                None) or cfg.get('test_pipeline') or []
    for t in pipeline:
        name = _type_name(t)
        if name == 'Resize' and t.get('scale') is not None:
            scale = t['scale']
            if isinstance(scale, int):
                return (scale, scale)
            return (int(scale[1]), int(scale[0]))
        if name == 'KBCrop':
            return (int(t.get('height', 352)), int(t.get('width', 1216)))
    if isinstance(dataset, dict):
        if dataset.get('img_size') is not None:
            h, w = dataset['img_size']
            return (int(h), int(w))
        ds_type = dataset.get('type')
        ds_name = ds_type if isinstance(ds_type, str) else getattr(
            ds_type, '__name__', '')
        ds_name = str(ds_name).split('.')[-1]
        if ds_name in _DATASET_SIZES:
            return _DATASET_SIZES[ds_name]
    return None


def list_inputs(
        inputs: Union[str, os.PathLike, Sequence[Any]],
        extensions: Sequence[str] = IMG_EXTENSIONS) -> List[Tuple[Any, str]]:
    """Expand an input into ``(item, name)`` pairs.

    ``name`` is the path relative to the folder (or to the glob's fixed
    part) without extension, ``/``-separated, for naming outputs; for an
    array it is ``'{index:06d}'``.

    - a folder: its images, searched recursively, sorted;
    - a glob (``'photos/**/*.jpg'``): the matching images, sorted;
    - a file: itself (named by its base name);
    - a list: each element (paths named by base name, arrays by index);
    - an array: itself.

    Args:
        inputs: See above.
        extensions (Sequence[str]): Image extensions of folders and globs
            (lower case). Defaults to :data:`IMG_EXTENSIONS`.

    Raises:
        FileNotFoundError: For a path that does not exist or a folder or
            glob without images.
    """
    if isinstance(inputs, np.ndarray):
        return [(inputs, '000000')]
    if isinstance(inputs, (list, tuple)):
        out = []
        for i, item in enumerate(inputs):
            if isinstance(item, (str, os.PathLike)):
                out.append((os.fspath(item),
                            osp.splitext(osp.basename(os.fspath(item)))[0]))
            else:
                out.append((item, f'{i:06d}'))
        return out
    if not isinstance(inputs, (str, os.PathLike)):
        raise TypeError('DepthInferencer: inputs must be a path, a folder, a '
                        'glob, an array or a list of them, got '
                        f'{type(inputs).__name__}')
    path = os.fspath(inputs)

    def images(paths: Iterable[str]) -> List[str]:
        return sorted(
            p for p in paths if osp.isfile(p)
            and osp.splitext(p)[1].lower() in tuple(extensions))

    def named(paths: List[str], root: str) -> List[Tuple[str, str]]:
        return [(p, osp.splitext(osp.relpath(p, root))[0].replace(os.sep, '/'))
                for p in paths]

    if osp.isdir(path):
        found = images(
            glob.glob(osp.join(glob.escape(path), '**', '*'), recursive=True))
        if not found:
            raise FileNotFoundError(
                f'DepthInferencer: no image ({", ".join(extensions)}) in the '
                f'folder {path}')
        return named(found, path)
    if osp.isfile(path):
        return [(path, osp.splitext(osp.basename(path))[0])]
    if glob.has_magic(path):
        found = images(glob.glob(path, recursive=True))
        if not found:
            raise FileNotFoundError(
                f'DepthInferencer: the pattern {path} matches no image')
        parts = path.replace(os.sep, '/').split('/')
        fixed = []
        for part in parts:
            if glob.has_magic(part):
                break
            fixed.append(part)
        root = '/'.join(fixed) or '.'
        return named(found, root)
    raise FileNotFoundError(f'DepthInferencer: input not found: {path}')


class DepthInferencer(BaseInferencer):
    """Predict metric depth of images, folders and arrays.

    Built from a config and a checkpoint (as :func:`init_model`: weights
    named in the config are switched off, the checkpoint loads strictly,
    with ``weights_only``), or from a config name of ``configs/``
    (``'mobilenetv2_synthetic'``; the model-zoo names) and a local
    checkpoint.

    Every image is resized to the working size (the ``size`` argument,
    else the config's test resolution, see :func:`test_resolution`), run
    through the rest of the config's test pipeline (ground-truth loading
    and frame crops such as ``KBCrop`` left out) and the model, and the
    prediction is resized back: the returned depth always has the input's
    original size, while the cost is set by the working size. Consecutive
    images of the same working size are batched (``batch_size``); a batch
    never mixes sizes, so padding never changes a prediction. A local JPEG
    at least twice the working size is decoded at 1/2, 1/4 or 1/8 of its
    size (libjpeg's DCT scaling), which keeps a 24-megapixel photo cheap.

    Call it with a path, a folder (searched recursively), a glob, a
    ``(H, W, 3)`` BGR uint8 array (as ``cv2.imread`` returns) or a list of
    them. Arrays of another dtype are refused (the normalisation assumes
    0-255).

    Args:
        model (str | Config | dict): Config file, config name, or config.
        weights (str, optional): Checkpoint path. None: random weights
            (with a warning).
        device (str, optional): ``'cpu'``, ``'cuda:0'``, ... None: CUDA if
            available.
        scope (str): Registry scope. Defaults to 'depth'.
        size (tuple[int, int], optional): Working size ``(H, W)``. None:
            the config's test resolution (the input size if the config has
            none, with a warning).
        keep_ratio (bool): Keep the aspect ratio: the image is scaled to
            the largest size with long edge <= ``max(size)`` and short
            edge <= ``min(size)`` (as mmcv's ``Resize``; a portrait photo
            gets as many pixels as a landscape one). False: resized to
            exactly ``size``. Defaults to True.
        strict (bool): Strict checkpoint loading. Defaults to True.
        cfg_options (dict, optional): Config overrides.
        show_progress (bool): Progress bar over batches. Defaults to True.
        cmap (str): Colormap of the visualisation. Defaults to 'magma_r'.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = {
        'show', 'wait_time', 'img_out_dir', 'return_vis', 'vmin', 'vmax'
    }
    postprocess_kwargs: set = {'pred_out_dir'}

    def __init__(self,
                 model: Union[str, os.PathLike, Config, dict],
                 weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'depth',
                 size: Optional[Sequence[int]] = None,
                 keep_ratio: bool = True,
                 strict: bool = True,
                 cfg_options: Optional[dict] = None,
                 show_progress: bool = True,
                 cmap: str = 'magma_r') -> None:
        if isinstance(model, os.PathLike):
            model = os.fspath(model)
        if isinstance(model, str) and not osp.isfile(model):
            model = find_config(model)
        if isinstance(model, str):
            model = Config.fromfile(model)
        elif isinstance(model, dict) and not isinstance(model, Config):
            model = Config(copy.deepcopy(dict(model)))
        if cfg_options:
            model = copy.deepcopy(model)
            model.merge_from_dict(cfg_options)
        if size is not None:
            size = tuple(int(s) for s in size)
            if len(size) != 2 or min(size) <= 0:
                raise ValueError('DepthInferencer: size must be (H, W) with '
                                 f'positive values, got {size}')
        self._strict = strict
        self.keep_ratio = keep_ratio
        self.cmap = cmap
        self.size = size if size is not None else test_resolution(model)
        if self.size is None:
            print_log(
                'DepthInferencer: the config names no test resolution; '
                'images run at their own size (pass size=(H, W) for large '
                'photos).',
                logger='current',
                level=logging.WARNING)
        super().__init__(
            model=model,
            weights=weights,
            device=device,
            scope=scope,
            show_progress=show_progress)
        self.dataset_meta = getattr(self.model, 'dataset_meta', {}) or {}

    # ------------------------------------------------------------ building
    def _init_model(self, cfg: Config, weights: Optional[str],
                    device: str) -> nn.Module:
        """Build with :func:`init_model` (pretrained off, strict load)."""
        if weights is None:
            print_log(
                'DepthInferencer: no checkpoint, the weights are random.',
                logger='current',
                level=logging.WARNING)
        return init_model(cfg, weights, device=device, strict=self._strict)

    def _init_collate(self, cfg: Config) -> Any:
        """mmengine's ``pseudo_collate`` (the data preprocessor stacks)."""
        return pseudo_collate

    def _init_visualizer(self, cfg: Config) -> None:
        """No mmengine visualizer: :meth:`visualize` draws with
        :func:`depth_color_image`."""
        return None

    def _init_pipeline(self, cfg: Config) -> Any:
        """Loading (paths or arrays, dtype checked by ``_load_image``),
        resize to the working size, then the test pipeline without its
        ground-truth loading and frame transforms."""
        with DefaultScope.overwrite_default_scope(
                cfg.get('default_scope', 'depth')):
            loader_cfg, transforms = _inference_pipeline_cfg(cfg)
            loader = TRANSFORMS.build(loader_cfg)
            rest = Compose([
                t for t in transforms if _type_name(t) not in _FRAME_TRANSFORMS
            ])
        self._counter = 0
        # a loader reading local files in colour with OpenCV: JPEGs much
        # larger than the working size may be decoded at 1/2, 1/4 or 1/8
        plain = (
            _type_name(loader_cfg) == 'LoadImageFromFile'
            and getattr(loader, 'color_type', 'color') == 'color'
            and getattr(loader, 'imdecode_backend', 'cv2') == 'cv2'
            and getattr(loader, 'backend_args', None) is None
            and getattr(loader, 'file_client_args', None) is None)

        def pipeline(item: InputType) -> dict:
            index = self._counter
            self._counter += 1
            results = self._load_reduced_jpeg(item, loader) if plain else None
            if results is None:
                try:
                    results = _load_image(item, index, loader)
                except (ValueError, TypeError, FileNotFoundError) as e:
                    raise type(e)(str(e).replace('inference_model:',
                                                 'DepthInferencer:',
                                                 1)) from None
            results = self._resize(results)
            input_shape = results['ori_shape']
            # predicted at the working size; forward() resizes to the input
            results['ori_shape'] = results['img_shape']
            packed = rest(results)
            if packed is None:
                raise ValueError('DepthInferencer: the test pipeline dropped '
                                 f'input {index}')
            packed['data_samples'].set_metainfo(
                dict(input_shape=tuple(input_shape)))
            return packed

        return pipeline

    def working_size(self, height: int, width: int) -> Tuple[int, int]:
        """The ``(h, w)`` an image of ``height x width`` is predicted at."""
        if self.size is None:
            return height, width
        if self.keep_ratio:
            w, h = rescale_size((width, height), (self.size[1], self.size[0]))
            return h, w
        return self.size

    def _load_reduced_jpeg(self, item: Any, loader: Any) -> Optional[dict]:
        """Decode a large JPEG at 1/2, 1/4 or 1/8 of its size (libjpeg's
        DCT scaling, ``cv2.IMREAD_REDUCED_COLOR_*``) when that is still at
        least the working size: a 24-megapixel photo decodes about 6x
        faster and the resize to the working size becomes cheap. The size
        (and EXIF orientation) is read from the header with PIL. None when
        not applicable (not a local JPEG, small, no PIL): the pipeline's
        loader reads the file."""
        if self.size is None or not isinstance(item, (str, os.PathLike)):
            return None
        path = os.fspath(item)
        if osp.splitext(path)[1].lower() not in ('.jpg', '.jpeg'):
            return None
        try:
            from PIL import Image
            with Image.open(path) as pil:
                width, height = pil.size
                orientation = pil.getexif().get(0x0112, 1)
        except Exception:  # no PIL or not readable: the loader decides
            return None
        if orientation in (5, 6, 7, 8):  # OpenCV applies the rotation
            width, height = height, width
        h, w = self.working_size(height, width)
        factor = 1
        for k in (8, 4, 2):
            if -(-height // k) >= h and -(-width // k) >= w:
                factor = k
                break
        if factor == 1:
            return None
        flag = getattr(cv2, f'IMREAD_REDUCED_COLOR_{factor}')
        img = cv2.imread(path, flag)
        if img is None or img.shape[:2] != (-(-height // factor),
                                            -(-width // factor)):
            return None
        if getattr(loader, 'to_float32', False):
            img = img.astype(np.float32)
        return dict(
            img_path=path,
            img=img,
            img_shape=img.shape[:2],
            ori_shape=(height, width))

    def _resize(self, results: dict) -> dict:
        img = results['img']
        # the original size (a reduced JPEG decode is smaller than it)
        height, width = results.get('ori_shape', img.shape[:2])[:2]
        h, w = self.working_size(height, width)
        if (h, w) != img.shape[:2]:
            shrink = h * w < img.shape[0] * img.shape[1]
            results['img'] = cv2.resize(
                img, (w, h),
                interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
        results['img_shape'] = (h, w)
        results['ori_shape'] = (height, width)
        results['scale_factor'] = (w / width, h / height)
        return results

    # ------------------------------------------------------------- running
    def _inputs_to_list(self, inputs: InputsType) -> list:
        """Folders (recursive), globs, files, arrays, lists: see
        :func:`list_inputs`."""
        return [item for item, _ in list_inputs(inputs)]

    def preprocess(self, inputs: list, batch_size: int = 1, **kwargs):
        """Batches of up to ``batch_size`` consecutive inputs of the same
        working size, collated."""
        batch, shape = [], None
        for item in inputs:
            data = self.pipeline(item)
            item_shape = tuple(data['inputs'].shape[-2:])
            if batch and (item_shape != shape or len(batch) >= batch_size):
                yield self.collate_fn(batch)
                batch = []
            batch.append(data)
            shape = item_shape
        if batch:
            yield self.collate_fn(batch)

    @torch.no_grad()
    def forward(self, inputs: dict, **kwargs) -> List[Any]:
        """Run the model on a batch, then resize every prediction from
        the working size to its input's size (bilinear, as
        ``postprocess_result``; with OpenCV, several times faster than
        torch on a 24-megapixel map, same values to 1e-5 m) and restore
        ``ori_shape``.

        Returns:
            list[DepthDataSample]: With ``pred_depth_map`` ``(1, H, W)``
            metres at the input size.
        """
        samples = self.model.test_step(inputs)
        align_corners = bool(getattr(self.model, 'align_corners', False))
        for sample in samples:
            height, width = sample.metainfo['input_shape']
            pred = sample.pred_depth_map.data
            if tuple(pred.shape[-2:]) != (height, width):
                if align_corners or pred.device.type != 'cpu':
                    pred = F.interpolate(
                        pred[None], (height, width),
                        mode='bilinear',
                        align_corners=align_corners)[0]
                else:
                    pred = torch.from_numpy(
                        cv2.resize(
                            pred[0].numpy(), (width, height),
                            interpolation=cv2.INTER_LINEAR))[None]
                sample.pred_depth_map = PixelData(data=pred)
            sample.set_metainfo(dict(ori_shape=(height, width)))
        return samples

    def __call__(self,
                 inputs: InputsType,
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 **kwargs) -> dict:
        """Predict.

        Args:
            inputs: A path, folder, glob, ``(H, W, 3)`` BGR uint8 array or a
                list of them.
            return_datasamples (bool): Return ``DepthDataSample`` s (with
                ``pred_depth_map`` ``(1, H, W)``) instead of arrays.
                Defaults to False.
            batch_size (int): Images per forward pass. Defaults to 1.
            **kwargs: ``show``, ``wait_time``, ``img_out_dir``,
                ``return_vis``, ``vmin``, ``vmax`` (see :meth:`visualize`),
                ``pred_out_dir`` (see :meth:`postprocess`).

        Returns:
            dict: ``predictions``: list of ``(H, W)`` float32 depth maps in
            metres at each input's size (or data samples);
            ``visualization``: list of RGB pictures (or None).
        """
        if batch_size < 1:
            raise ValueError(
                f'DepthInferencer: batch_size must be >= 1, got {batch_size}')
        self._counter = 0
        return super().__call__(
            inputs,
            return_datasamples=return_datasamples,
            batch_size=batch_size,
            **kwargs)

    def visualize(self,
                  inputs: list,
                  preds: List[Any],
                  show: bool = False,
                  wait_time: float = 0.,
                  img_out_dir: str = '',
                  return_vis: bool = False,
                  vmin: Optional[float] = None,
                  vmax: Optional[float] = None) -> Optional[List[np.ndarray]]:
        """``[image | depth + colour bar in metres]`` pictures.

        Args:
            inputs (list): The inputs (paths or BGR arrays).
            preds (list[DepthDataSample]): The predictions.
            show (bool): Display them. Defaults to False.
            wait_time (float): Display time (s). Defaults to 0.
            img_out_dir (str): Write ``<img_out_dir>/vis/<name>.png``
                (the input's base name, or its index for arrays).
                Defaults to '' (nothing written).
            return_vis (bool): Return the pictures. Defaults to False.
            vmin, vmax (float, optional): Colour range in metres. None:
                the model's ``[min_depth, max_depth]`` when known, else each
                map's own range.

        Returns:
            list[np.ndarray] | None: RGB pictures, when asked for.
        """
        if not (show or img_out_dir or return_vis):
            return None
        lo, hi = self._color_range(vmin, vmax)
        names = self._names(inputs)
        pictures = []
        for item, pred, name in zip(inputs, preds, names):
            depth = pred.pred_depth_map.data[0].cpu().numpy()
            image = _read_rgb(item)
            picture = render_depth_panel(image, depth, lo, hi, self.cmap)
            if show:
                cv2.imshow(name, picture[..., ::-1])
                cv2.waitKey(max(int(wait_time * 1000), 1))
            if img_out_dir:
                out_file = osp.join(img_out_dir, 'vis', f'{name}.png')
                os.makedirs(osp.dirname(out_file), exist_ok=True)
                cv2.imwrite(out_file, picture[..., ::-1])
            if return_vis:
                pictures.append(picture)
        return pictures if return_vis else None

    def postprocess(self,
                    preds: List[Any],
                    visualization: Optional[List[np.ndarray]] = None,
                    return_datasample: bool = False,
                    pred_out_dir: str = '') -> dict:
        """Depth arrays (or the samples) and the pictures.

        Args:
            preds (list[DepthDataSample]): The predictions.
            visualization (list[np.ndarray], optional): The pictures.
            return_datasample (bool): Return the samples. Defaults to False.
            pred_out_dir (str): Write ``<pred_out_dir>/pred/<index>.npy``
                (float32 metres). Defaults to '' (nothing written).

        Returns:
            dict: ``predictions`` and ``visualization``.
        """
        arrays = [p.pred_depth_map.data[0].cpu().numpy() for p in preds]
        if pred_out_dir:
            os.makedirs(osp.join(pred_out_dir, 'pred'), exist_ok=True)
            for i, depth in enumerate(arrays):
                np.save(
                    osp.join(pred_out_dir, 'pred', f'{i:06d}.npy'),
                    depth.astype(np.float32))
        return dict(
            predictions=preds if return_datasample else arrays,
            visualization=visualization)

    # --------------------------------------------------------------- utils
    def _color_range(self, vmin: Optional[float],
                     vmax: Optional[float]) -> Tuple[Optional[float], ...]:
        depth_range = getattr(self.model, 'depth_range', None)
        lo, hi = depth_range() if callable(depth_range) else (None, None)
        return (vmin if vmin is not None else lo,
                vmax if vmax is not None else hi)

    @staticmethod
    def _names(inputs: list) -> List[str]:
        return [
            osp.splitext(osp.basename(os.fspath(item)))[0] if isinstance(
                item, (str, os.PathLike)) else f'{i:06d}'
            for i, item in enumerate(inputs)
        ]


def _read_rgb(item: InputType) -> np.ndarray:
    """RGB uint8 image of a path or a BGR array."""
    if isinstance(item, np.ndarray):
        return np.ascontiguousarray(item[..., ::-1])
    img = cv2.imread(os.fspath(item), cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'DepthInferencer: cannot read {item}')
    return np.ascontiguousarray(img[..., ::-1])


__all__ = [
    'DepthInferencer', 'find_config', 'list_inputs', 'test_resolution',
    'IMG_EXTENSIONS'
]
