"""Depth-aware resize."""
from typing import Optional, Sequence, Tuple, Union

import cv2
from mmcv.image.geometric import rescale_size
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields, resize_fields, set_resize_meta


@TRANSFORMS.register_module()
class Resize(BaseTransform):
    """Resize the image (bilinear) and the depth fields (nearest).

    Registered in the ``depth`` scope under mmcv's name (mmcv's would not
    touch the depth). Depth values are never interpolated or rescaled: a
    resized depth map holds only values of the original (nearest
    neighbour, pixel-centre aligned like the bilinear image resize:
    ``cv2.INTER_NEAREST_EXACT``).

    Exactly one of ``scale`` and ``scale_factor`` is given.

    Required keys: ``img``; the depth fields.
    Modified keys: ``img``, ``img_shape``, every key in ``depth_fields``.
    Added keys: ``scale`` ``(w, h)`` of the output, ``scale_factor``
    ``(w_scale, h_scale)`` relative to this transform's input, ``keep_ratio``.
    ``ori_shape`` is not changed.

    Args:
        scale (int | tuple[int, int], optional): Target ``(w, h)``; with
            ``keep_ratio`` the largest size fitting in it (long edge <=
            max(scale), short edge <= min(scale)), as mmcv.
        scale_factor (float | tuple[float, float], optional): Factor, or
            ``(w_factor, h_factor)``.
        keep_ratio (bool): Keep the aspect ratio. Defaults to False.
    """

    def __init__(self,
                 scale: Optional[Union[int, Sequence[int]]] = None,
                 scale_factor: Optional[Union[float, Sequence[float]]] = None,
                 keep_ratio: bool = False) -> None:
        if (scale is None) == (scale_factor is None):
            raise ValueError('Resize: give exactly one of scale and '
                             'scale_factor.')
        if isinstance(scale, int):
            scale = (scale, scale)
        if scale is not None:
            scale = tuple(int(s) for s in scale)
            if len(scale) != 2 or min(scale) <= 0:
                raise ValueError(f'Resize: scale must be (w, h) > 0, got '
                                 f'{scale}.')
        if scale_factor is not None:
            if isinstance(scale_factor, (int, float)):
                scale_factor = (float(scale_factor), float(scale_factor))
            scale_factor = tuple(float(s) for s in scale_factor)
            if len(scale_factor) != 2 or min(scale_factor) <= 0:
                raise ValueError(f'Resize: scale_factor must be positive, '
                                 f'got {scale_factor}.')
            if keep_ratio and scale_factor[0] != scale_factor[1]:
                raise ValueError('Resize: keep_ratio needs a single '
                                 'scale_factor.')
        self.scale = scale
        self.scale_factor = scale_factor
        self.keep_ratio = keep_ratio

    def _target_size(self, width: int, height: int) -> Tuple[int, int]:
        if self.scale is not None:
            if self.keep_ratio:
                return rescale_size((width, height), self.scale)
            return self.scale
        fw, fh = self.scale_factor
        return int(width * fw + 0.5), int(height * fh + 0.5)

    def transform(self, results: dict) -> dict:
        """Resize ``img`` and the depth fields."""
        fields = aligned_depth_fields(results, 'Resize')
        img = results['img']
        height, width = img.shape[:2]
        new_w, new_h = self._target_size(width, height)
        if (new_w, new_h) != (width, height):
            results['img'] = cv2.resize(
                img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
            resize_fields(results, fields, (new_w, new_h),
                          cv2.INTER_NEAREST_EXACT)
        set_resize_meta(results, (width, height), (new_w, new_h),
                        self.keep_ratio)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, '
                f'scale_factor={self.scale_factor}, '
                f'keep_ratio={self.keep_ratio})')
