"""KITTI benchmark crop."""
from mmcv.transforms import BaseTransform

from depth.registry import TRANSFORMS
from .utils import aligned_depth_fields, check_crop_fits, crop_fields


@TRANSFORMS.register_module()
class KBCrop(BaseTransform):
    """The KITTI benchmark crop: the bottom ``height`` rows and the centred
    ``width`` columns (``top = H - height``, ``left = (W - width) // 2``),
    e.g. rows 23:375 and cols 13:1229 of a 375x1242 frame.

    The crop defines the evaluation frame, so ``ori_shape`` is set to the
    crop size as well as ``img_shape``: predictions are resized back to it
    and compared with the equally cropped ground truth.

    Required keys: ``img``; the depth fields.
    Modified keys: ``img``, ``img_shape``, ``ori_shape`` and (with
    ``depth=True``) every key in ``depth_fields``.
    Added key: ``kb_crop_offset`` ``(top, left)``.

    Args:
        height (int): Crop height. Defaults to 352.
        width (int): Crop width. Defaults to 1216.
        depth (bool): Crop the depth fields too. Defaults to True. False is
            only for pipelines without ground truth: it raises if depth
            fields are present, since they would no longer match the image.

    Raises:
        ValueError: If the image is smaller than the crop, or if
            ``depth=False`` and depth fields are present.
    """

    def __init__(self,
                 height: int = 352,
                 width: int = 1216,
                 depth: bool = True) -> None:
        if height <= 0 or width <= 0:
            raise ValueError(f'KBCrop: height and width must be positive, '
                             f'got {height}, {width}.')
        self.height = int(height)
        self.width = int(width)
        self.depth = depth

    def transform(self, results: dict) -> dict:
        """Crop ``img`` (and the depth fields)."""
        fields = aligned_depth_fields(results, 'KBCrop', self.depth)
        check_crop_fits(results, 'KBCrop', self.height, self.width)
        img_h, img_w = results['img'].shape[:2]
        top = img_h - self.height
        left = (img_w - self.width) // 2
        crop_fields(results, fields, top, left, self.height, self.width)
        results['ori_shape'] = (self.height, self.width)
        results['kb_crop_offset'] = (top, left)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(height={self.height}, '
                f'width={self.width}, depth={self.depth})')
