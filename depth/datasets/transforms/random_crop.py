"""Depth-aware random crop."""
from typing import Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields, check_crop_fits, crop_fields


@TRANSFORMS.register_module()
class RandomCrop(BaseTransform):
    """Crop a ``crop_size`` window at a uniform random offset from the image
    and, with the same box, from every depth field.

    Registered in the ``depth`` scope under mmcv's name (mmcv's ignores
    depth).

    Required keys: ``img``; the depth fields.
    Modified keys: ``img``, ``img_shape`` and every key in ``depth_fields``.

    The crop is a view (no copy); ``PackDepthInputs`` makes it contiguous.

    Args:
        crop_size (tuple[int, int] | int): ``(h, w)`` of the crop.

    Raises:
        ValueError: If the image is smaller than the crop.
    """

    def __init__(self, crop_size: Union[int, Sequence[int]]) -> None:
        if isinstance(crop_size, int):
            crop_size = (crop_size, crop_size)
        crop_size = tuple(int(c) for c in crop_size)
        if len(crop_size) != 2 or min(crop_size) <= 0:
            raise ValueError(f'crop_size must be (h, w) > 0, got '
                             f'{crop_size}.')
        self.crop_size = crop_size

    def transform(self, results: dict) -> dict:
        """Crop ``img`` and the depth fields with one random box."""
        fields = aligned_depth_fields(results, 'RandomCrop')
        check_crop_fits(results, 'RandomCrop', *self.crop_size)
        height, width = results['img'].shape[:2]
        crop_h, crop_w = self.crop_size
        top = np.random.randint(0, height - crop_h + 1)
        left = np.random.randint(0, width - crop_w + 1)
        crop_fields(results, fields, top, left, crop_h, crop_w)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(crop_size={self.crop_size})'
