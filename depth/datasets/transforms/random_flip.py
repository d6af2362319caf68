"""Depth-aware random flip."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields

_CV2_FLIP = dict(horizontal=1, vertical=0)


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """Flip the image and every depth field together.

    Registered in the ``depth`` scope under mmcv's name: mmcv's
    ``RandomFlip`` would flip the image but not the depth.

    If ``results['flip']`` is already set (e.g. by an old-style multi-scale
    flip wrapper), that decision is used with ``results['flip_direction']``
    (default: ``direction``); otherwise the image is flipped with
    probability ``prob``. Inside mmcv's ``TestTimeAug`` use the two variants
    ``RandomFlip(prob=0.)`` and ``RandomFlip(prob=1.)``.

    Required keys: ``img``; the depth fields (see ``depth_fields``).
    Modified keys: ``img`` and every key in ``depth_fields``.
    Added keys: ``flip`` (bool), ``flip_direction`` (str or None).

    ``cam_intrinsic`` is left unchanged (it describes the unflipped frame).

    Args:
        prob (float): Flip probability in [0, 1].
        direction (str): ``'horizontal'`` or ``'vertical'``.
    """

    def __init__(self, prob: float, direction: str = 'horizontal') -> None:
        if not 0.0 <= prob <= 1.0:
            raise ValueError(f'prob must be in [0, 1], got {prob}.')
        if direction not in _CV2_FLIP:
            raise ValueError(f'direction must be one of {list(_CV2_FLIP)}, '
                             f'got {direction!r}.')
        self.prob = prob
        self.direction = direction

    def transform(self, results: dict) -> dict:
        """Flip (or not) ``img`` and the depth fields."""
        fields = aligned_depth_fields(results, 'RandomFlip')
        if results.get('flip') is not None:
            flip = bool(results['flip'])
            direction = results.get('flip_direction') or self.direction
            if direction not in _CV2_FLIP:
                raise ValueError(f'RandomFlip: preset flip_direction '
                                 f'{direction!r} is not one of '
                                 f'{list(_CV2_FLIP)}.')
        else:
            flip = self.prob > 0 and np.random.rand() < self.prob
            direction = self.direction
        results['flip'] = flip
        results['flip_direction'] = direction if flip else None
        if flip:
            code = _CV2_FLIP[direction]
            for key in ['img'] + fields:
                results[key] = _flip(results[key], code)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(prob={self.prob}, '
                f'direction={self.direction!r})')


def _flip(array: np.ndarray, code: int) -> np.ndarray:
    if array.ndim == 3 and array.shape[2] > 4:
        return np.ascontiguousarray(array[:, ::-1] if code ==
                                    1 else array[::-1])
    return cv2.flip(array, code)
