"""NYU training crop."""
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields, crop_fields, describe

# rows 45:472, cols 43:608 of the 480x640 frame -> 427x565.
_TOP, _BOTTOM, _LEFT, _RIGHT = 45, 472, 43, 608


@TRANSFORMS.register_module()
class NYUCrop(BaseTransform):
    """The NYU-Depth-v2 training crop ``img[45:472, 43:608]`` (427x565),
    which removes the white border of the registered Kinect frames.

    Required keys: ``img`` (at least 472x608, normally 480x640); the depth
    fields.
    Modified keys: ``img``, ``img_shape``, ``ori_shape`` and (with
    ``depth=True``) every key in ``depth_fields``.

    Args:
        depth (bool): Crop the depth fields too. Defaults to True; with
            False, results must not carry depth fields.

    Raises:
        ValueError: If the image is smaller than 472x608, or if
            ``depth=False`` and depth fields are present.
    """

    def __init__(self, depth: bool = True) -> None:
        self.depth = depth

    def transform(self, results: dict) -> dict:
        """Crop ``img`` (and the depth fields)."""
        fields = aligned_depth_fields(results, 'NYUCrop', self.depth)
        img_h, img_w = results['img'].shape[:2]
        if img_h < _BOTTOM or img_w < _RIGHT:
            raise ValueError(
                f'NYUCrop: image {img_h}x{img_w} is smaller than the crop box '
                f'[{_TOP}:{_BOTTOM}, {_LEFT}:{_RIGHT}] (expects 480x640; '
                f'{describe(results)}).')
        shape = (_BOTTOM - _TOP, _RIGHT - _LEFT)
        crop_fields(results, fields, _TOP, _LEFT, *shape)
        results['ori_shape'] = shape
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(depth={self.depth})'
