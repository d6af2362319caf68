"""Photometric augmentation: gamma, brightness and per-channel colour."""
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS


def _check_range(name: str, value: Sequence[float]) -> tuple:
    value = tuple(float(v) for v in value)
    if len(value) != 2 or value[0] > value[1] or value[0] <= 0:
        raise ValueError(f'ColorAug: {name} must be (low, high) with '
                         f'0 < low <= high, got {value}.')
    return value


@TRANSFORMS.register_module()
class ColorAug(BaseTransform):
    """Random gamma, brightness and per-channel colour scaling (BTS/AdaBins
    style), computed on values in [0, 1]::

        out_c = 255 * clip((img_c / 255)**gamma * brightness * colour_c, 0, 1)

    With probability ``prob``, ``gamma``, ``brightness`` and one ``colour_c``
    per channel are drawn uniformly from their ranges (in that order). The
    original toolbox applied the gamma to 0..255 values, which saturates
    most pixels for gamma > 1; this follows BTS/AdaBins instead.

    For uint8 images the map is a 256-entry lookup table per channel
    (``cv2.LUT``), output uint8 (rounded); float images are computed
    directly and stay float32 in 0..255. Only ``img`` changes; depth is
    untouched.

    Required keys: ``img`` (H, W, C).
    Modified keys: ``img``.

    Args:
        prob (float): Probability of applying. Defaults to 0.5.
        gamma_range (tuple[float, float]): Defaults to (0.9, 1.1).
        brightness_range (tuple[float, float]): Defaults to (0.9, 1.1).
        color_range (tuple[float, float]): Defaults to (0.9, 1.1).
    """

    def __init__(
        self,
        prob: float = 0.5,
        gamma_range: Sequence[float] = (0.9, 1.1),
        brightness_range: Sequence[float] = (0.9, 1.1),
        color_range: Sequence[float] = (0.9, 1.1)
    ) -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        self.prob = prob
        self.gamma_range = _check_range('gamma_range', gamma_range)
        self.brightness_range = _check_range('brightness_range',
                                             brightness_range)
        self.color_range = _check_range('color_range', color_range)

    def transform(self, results: dict) -> dict:
        """Apply the colour augmentation to ``img``."""
        if self.prob <= 0 or np.random.rand() >= self.prob:
            return results
        img = results['img']
        channels = 1 if img.ndim == 2 else img.shape[2]
        gamma = np.random.uniform(*self.gamma_range)
        brightness = np.random.uniform(*self.brightness_range)
        colour = np.random.uniform(*self.color_range, size=channels)
        gains = brightness * colour  # (C,)
        if img.dtype == np.uint8:
            x = np.arange(256, dtype=np.float64) / 255.0
            lut = np.clip((x**gamma)[:, None] * gains[None, :], 0.0, 1.0)
            lut = np.rint(lut * 255.0).astype(np.uint8)  # (256, C)
            if channels in (1, 3, 4):
                table = lut[:, 0] if channels == 1 else lut.reshape(
                    1, 256, channels)
                out = cv2.LUT(img, table)
                if out.ndim < img.ndim:
                    out = out.reshape(img.shape)
            else:
                out = lut[img, np.arange(channels)]
        else:
            x = img.astype(np.float32) * np.float32(1 / 255.0)
            np.power(x, np.float32(gamma), out=x)
            x *= gains.astype(
                np.float32).reshape((1, 1, channels) if img.ndim == 3 else (1,
                                                                            1))
            np.clip(x, 0.0, 1.0, out=x)
            x *= np.float32(255.0)
            out = x
        results['img'] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'gamma_range={self.gamma_range}, '
                f'brightness_range={self.brightness_range}, '
                f'color_range={self.color_range})')
