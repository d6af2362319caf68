"""Depth-aware data transforms (registered in ``depth.registry.TRANSFORMS``).

``RandomFlip``, ``RandomCrop`` and ``Resize`` shadow mmcv's transforms of
the same names inside the ``depth`` scope: mmcv's ignore depth maps.
``LoadImageFromFile`` and ``TestTimeAug`` come from mmcv (parent registry).
"""
from .color_aug import ColorAug
from .kb_crop import KBCrop
from .load_depth_annotation import LoadDepthAnnotation, decode_depth_png
from .nyu_crop import NYUCrop
from .pack_depth_inputs import PackDepthInputs
from .random_crop import RandomCrop
from .random_flip import RandomFlip
from .random_rotate import RandomRotate
from .resize import Resize
from .resize_to_multiple import ResizeToMultiple

__all__ = [
    'LoadDepthAnnotation', 'decode_depth_png', 'RandomFlip', 'RandomCrop',
    'RandomRotate', 'Resize', 'KBCrop', 'NYUCrop', 'ColorAug',
    'PackDepthInputs', 'ResizeToMultiple'
]
