"""Keep-ratio resize to a multiple of a patch size (Depth Anything's)."""
from typing import Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields, resize_fields, set_resize_meta

_INTERPOLATIONS = {
    'nearest': cv2.INTER_NEAREST,
    'nearest_exact': cv2.INTER_NEAREST_EXACT,
    'bilinear': cv2.INTER_LINEAR,
    'bicubic': cv2.INTER_CUBIC,
    'area': cv2.INTER_AREA,
}


@TRANSFORMS.register_module()
class ResizeToMultiple(BaseTransform):
    """Resize so that both sides are multiples of ``multiple_of``, keeping
    the aspect ratio, as Depth Anything V2's ``Resize(keep_aspect_ratio=True,
    ensure_multiple_of=14, resize_method='lower_bound',
    image_interpolation_method=cv2.INTER_CUBIC)`` (``infer_image`` at test
    time, the datasets in training).

    With ``keep_ratio`` one scale ``s`` is used for both sides:
    ``'lower_bound'`` the larger of ``target_h / h`` and ``target_w / w``
    (the output covers the target), ``'upper_bound'`` the smaller (fits in
    it), ``'minimal'`` the one closer to 1. Each side ``s * x`` is then
    rounded (``np.round``) to a multiple of ``multiple_of``, staying at
    least (lower bound) or at most (upper bound) the target side.

    The image is resized in float64 and stored as float32 (no rounding to
    uint8 in between: the original resizes the ``/ 255`` float64 image);
    the depth fields with
    nearest-neighbour interpolation (``cv2.INTER_NEAREST``, as the
    original), or left unchanged with ``resize_depth=False`` (testing: the
    prediction is resized back to the ground truth's size).

    Required keys: ``img``; the depth fields when ``resize_depth``.
    Modified keys: ``img`` (float32), ``img_shape``; the depth fields when
    ``resize_depth``.
    Added keys: ``scale`` ``(w, h)``, ``scale_factor`` ``(w_scale,
    h_scale)``, ``keep_ratio``.

    Args:
        scale (int | tuple[int, int]): Target ``(w, h)``. Defaults to 518.
        multiple_of (int): Output sides are multiples of it. Defaults to 14.
        keep_ratio (bool): One scale for both sides. Defaults to True.
        resize_method (str): ``'lower_bound'``, ``'upper_bound'`` or
            ``'minimal'``. Defaults to 'lower_bound'.
        interpolation (str): Image interpolation (``'bicubic'``,
            ``'bilinear'``, ``'area'``, ``'nearest'``). Defaults to
            'bicubic'.
        resize_depth (bool): Resize the depth fields too. Defaults to True.
        depth_interpolation (str): ``'nearest'`` (cv2.INTER_NEAREST) or
            ``'nearest_exact'``. Defaults to 'nearest'.
    """

    def __init__(self,
                 scale: Union[int, Sequence[int]] = 518,
                 multiple_of: int = 14,
                 keep_ratio: bool = True,
                 resize_method: str = 'lower_bound',
                 interpolation: str = 'bicubic',
                 resize_depth: bool = True,
                 depth_interpolation: str = 'nearest') -> None:
        if isinstance(scale, int):
            scale = (scale, scale)
        scale = tuple(int(s) for s in scale)
        if len(scale) != 2 or min(scale) <= 0:
            raise ValueError(f'ResizeToMultiple: scale must be (w, h) > 0, '
                             f'got {scale}.')
        if int(multiple_of) < 1:
            raise ValueError(f'ResizeToMultiple: multiple_of must be >= 1, '
                             f'got {multiple_of}.')
        if resize_method not in ('lower_bound', 'upper_bound', 'minimal'):
            raise ValueError(
                "ResizeToMultiple: resize_method must be 'lower_bound', "
                f"'upper_bound' or 'minimal', got {resize_method!r}.")
        for name, value in (('interpolation', interpolation),
                            ('depth_interpolation', depth_interpolation)):
            if value not in _INTERPOLATIONS:
                raise ValueError(f'ResizeToMultiple: unknown {name} '
                                 f'{value!r}; known: '
                                 f'{sorted(_INTERPOLATIONS)}.')
        if not depth_interpolation.startswith('nearest'):
            raise ValueError('ResizeToMultiple: depth_interpolation must be '
                             'nearest or nearest_exact (depth values are '
                             f'never interpolated), got '
                             f'{depth_interpolation!r}.')
        self.scale = scale
        self.multiple_of = int(multiple_of)
        self.keep_ratio = keep_ratio
        self.resize_method = resize_method
        self.interpolation = interpolation
        self.resize_depth = resize_depth
        self.depth_interpolation = depth_interpolation

    def _constrain(self, x: float, min_val: int = 0, max_val=None) -> int:
        m = self.multiple_of
        y = int(np.round(x / m) * m)
        if max_val is not None and y > max_val:
            y = int(np.floor(x / m) * m)
        if y < min_val:
            y = int(np.ceil(x / m) * m)
        return y

    def target_size(self, width: int, height: int) -> Tuple[int, int]:
        """Output ``(w, h)`` for a ``width x height`` image."""
        target_w, target_h = self.scale
        scale_h, scale_w = target_h / height, target_w / width
        if self.keep_ratio:
            if self.resize_method == 'lower_bound':
                scale_h = scale_w = max(scale_h, scale_w)
            elif self.resize_method == 'upper_bound':
                scale_h = scale_w = min(scale_h, scale_w)
            elif abs(1 - scale_w) < abs(1 - scale_h):
                scale_h = scale_w
            else:
                scale_w = scale_h
        if self.resize_method == 'lower_bound':
            new_h = self._constrain(scale_h * height, min_val=target_h)
            new_w = self._constrain(scale_w * width, min_val=target_w)
        elif self.resize_method == 'upper_bound':
            new_h = self._constrain(scale_h * height, max_val=target_h)
            new_w = self._constrain(scale_w * width, max_val=target_w)
        else:
            new_h = self._constrain(scale_h * height)
            new_w = self._constrain(scale_w * width)
        return new_w, new_h

    def transform(self, results: dict) -> dict:
        """Resize ``img`` (and the depth fields)."""
        fields = (
            aligned_depth_fields(results, 'ResizeToMultiple')
            if self.resize_depth else [])
        img = results['img']
        height, width = img.shape[:2]
        new_w, new_h = self.target_size(width, height)
        if (new_w, new_h) != (width, height):
            # In float64, as the original (cv2's float32 bicubic differs
            # from it by up to 0.02 grey levels), stored as float32.
            img = cv2.resize(
                img.astype(np.float64), (new_w, new_h),
                interpolation=_INTERPOLATIONS[self.interpolation])
            resize_fields(results, fields, (new_w, new_h),
                          _INTERPOLATIONS[self.depth_interpolation])
        img = img.astype(np.float32, copy=False)
        results['img'] = img
        set_resize_meta(results, (width, height), (new_w, new_h),
                        self.keep_ratio)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'multiple_of={self.multiple_of}, '
                f'keep_ratio={self.keep_ratio}, '
                f'resize_method={self.resize_method!r}, '
                f'interpolation={self.interpolation!r}, '
                f'resize_depth={self.resize_depth})')
