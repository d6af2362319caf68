"""Loading of depth ground truth."""
from typing import Optional

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio

from depth.registry import TRANSFORMS
from .utils import describe

_DECODES = ('scale', 'sunrgbd')


def decode_depth_png(content: bytes,
                     path: str,
                     depth_scale: float,
                     decode: str = 'scale') -> np.ndarray:
    """Decode a 16-bit depth PNG into float32 metres.

    Args:
        content (bytes): Encoded file content.
        path (str): File path, for error messages.
        depth_scale (float): Stored value / depth_scale = metres.
        decode (str): ``'scale'`` (plain division) or ``'sunrgbd'`` (rotate
            the 16 bits right by 3, ``(v >> 3) | (v << 13)``, first).

    Returns:
        np.ndarray: ``(H, W)`` float32 depth, 0 where the file holds 0.

    Raises:
        ValueError: If the file is not a single-channel uint16 image.
    """
    raw = cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED)
    if raw is None:
        raise ValueError(f'Cannot decode depth map {path}: not an image file '
                         'or corrupt.')
    if raw.dtype != np.uint16 or raw.ndim != 2:
        channels = 1 if raw.ndim == 2 else raw.shape[2]
        raise ValueError(
            f'Depth map {path} must be a single-channel 16-bit PNG; found '
            f'{channels}-channel {raw.dtype} with shape {raw.shape}.')
    if decode == 'sunrgbd':
        raw = (raw >> 3) | (raw << 13)
    depth = raw.astype(np.float32)
    depth /= np.float32(depth_scale)
    return depth


@TRANSFORMS.register_module()
class LoadDepthAnnotation(BaseTransform):
    """Load a uint16 depth PNG as float32 metres.

    Required keys: ``depth_map_path``, ``depth_scale`` (unless given here),
    ``depth_decode`` (optional, set by e.g. :class:`SUNRGBDDataset`).

    Added / modified keys: ``gt_depth_map`` ``(H, W)`` float32 metres (0 =
    invalid); ``depth_fields`` (``'gt_depth_map'`` appended).

    A sample whose ``depth_map_path`` is ``None`` (GT-less testing, see
    ``allow_missing_depth``) passes through without ``gt_depth_map``.

    The depth map must match the image's ``ori_shape`` when that is set
    (load depth before any geometric transform that changes it).

    Args:
        depth_scale (float, optional): Stored value / depth_scale = metres.
            None (default): ``results['depth_scale']`` set by the dataset.
        decode (str, optional): ``'scale'`` or ``'sunrgbd'``; None
            (default): ``results.get('depth_decode', 'scale')``.
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        FileNotFoundError: Naming the missing file.
        ValueError: For a file that is not a single-channel uint16 image
            (naming it and what it holds) or whose size differs from the
            image's.
    """

    def __init__(self,
                 depth_scale: Optional[float] = None,
                 decode: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        if depth_scale is not None and depth_scale <= 0:
            raise ValueError(f'depth_scale must be positive, got '
                             f'{depth_scale}.')
        if decode is not None and decode not in _DECODES:
            raise ValueError(f'decode must be one of {_DECODES} or None, got '
                             f'{decode!r}.')
        self.depth_scale = depth_scale
        self.decode = decode
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load ``results['depth_map_path']`` into ``gt_depth_map``."""
        if 'depth_map_path' not in results:
            raise KeyError('LoadDepthAnnotation: results has no '
                           f'"depth_map_path" ({describe(results)}).')
        path = results['depth_map_path']
        if path is None:
            return results
        scale = self.depth_scale
        if scale is None:
            if results.get('depth_scale') is None:
                raise KeyError(
                    'LoadDepthAnnotation: no depth_scale given and results '
                    f'has none ({describe(results)}).')
            scale = results['depth_scale']
        decode = self.decode or results.get('depth_decode') or 'scale'
        if decode not in _DECODES:
            raise ValueError(f'Unknown depth_decode {decode!r} for {path}; '
                             f'expected one of {_DECODES}.')
        try:
            content = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError:
            raise FileNotFoundError(f'Depth map not found: {path}') from None
        depth = decode_depth_png(content, path, scale, decode)
        ori_shape = results.get('ori_shape')
        if ori_shape is not None and tuple(ori_shape[:2]) != depth.shape:
            raise ValueError(
                f'Depth map {path} is {depth.shape[0]}x{depth.shape[1]} but '
                f'the image {results.get("img_path")} is '
                f'{ori_shape[0]}x{ori_shape[1]} (ori_shape); load the depth '
                'before transforms that change the frame (e.g. KBCrop).')
        results['gt_depth_map'] = depth
        fields = results.setdefault('depth_fields', [])
        if 'gt_depth_map' not in fields:
            fields.append('gt_depth_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(depth_scale={self.depth_scale}, '
                f'decode={self.decode!r}, backend_args={self.backend_args})')
