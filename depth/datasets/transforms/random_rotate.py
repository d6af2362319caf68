"""Depth-aware random rotation."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields


@TRANSFORMS.register_module()
class RandomRotate(BaseTransform):
    """Rotate the image (bilinear) and the depth fields (nearest) together.

    With probability ``prob`` an angle is drawn uniformly from ``degree``;
    positive angles rotate clockwise (mmcv's convention). The output keeps
    the input size; uncovered pixels get ``pad_val`` in the image and
    ``depth_pad_val`` (default 0 = invalid) in the depth. Depth values are
    never interpolated.

    Required keys: ``img``; the depth fields.
    Modified keys: ``img`` and every key in ``depth_fields``.

    Args:
        prob (float): Probability of rotating.
        degree (float | tuple[float, float]): Range of angles; a number
            ``d`` means ``(-d, d)``.
        pad_val (float): Image fill value. Defaults to 0.
        depth_pad_val (float): Depth fill value. Defaults to 0 (invalid).
        center (tuple[float, float], optional): Rotation centre ``(x, y)``;
            default the image centre ``((W - 1) / 2, (H - 1) / 2)``.
    """

    def __init__(self,
                 prob: float,
                 degree: Union[float, Sequence[float]],
                 pad_val: float = 0,
                 depth_pad_val: float = 0,
                 center: Optional[Tuple[float, float]] = None) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        if isinstance(degree, (int, float)):
            if degree < 0:
                raise ValueError(f'degree must be >= 0, got {degree}.')
            degree = (-float(degree), float(degree))
        degree = tuple(float(d) for d in degree)
        if len(degree) != 2 or degree[0] > degree[1]:
            raise ValueError(f'degree must be a number or (min, max), got '
                             f'{degree}.')
        self.prob = prob
        self.degree = degree
        self.pad_val = pad_val
        self.depth_pad_val = depth_pad_val
        self.center = center

    def transform(self, results: dict) -> dict:
        """Rotate ``img`` and the depth fields by one random angle."""
        fields = aligned_depth_fields(results, 'RandomRotate')
        if self.prob <= 0 or np.random.rand() >= self.prob:
            return results
        angle = np.random.uniform(*self.degree)
        img = results['img']
        height, width = img.shape[:2]
        center = self.center or ((width - 1) * 0.5, (height - 1) * 0.5)
        matrix = cv2.getRotationMatrix2D(center, -angle, 1.0)
        results['img'] = _warp(img, matrix, cv2.INTER_LINEAR, self.pad_val)
        for key in fields:
            results[key] = _warp(results[key], matrix, cv2.INTER_NEAREST,
                                 self.depth_pad_val)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'degree={self.degree}, pad_val={self.pad_val}, '
                f'depth_pad_val={self.depth_pad_val}, center={self.center})')


def _warp(array: np.ndarray, matrix: np.ndarray, flags: int,
          fill: float) -> np.ndarray:
    height, width = array.shape[:2]
    if (array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
            and flags == cv2.INTER_LINEAR):
        # OpenCV's bilinear warp of 4-channel uint8 images is vectorised
        # and about twice as fast as the 3-channel one, conversions
        # included; the result is identical.
        bgra = cv2.cvtColor(array, cv2.COLOR_BGR2BGRA)
        bgra = cv2.warpAffine(
            bgra,
            matrix, (width, height),
            flags=flags,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(fill, fill, fill, fill))
        return cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR)
    return cv2.warpAffine(
        array,
        matrix, (width, height),
        flags=flags,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(fill, fill, fill, fill))
