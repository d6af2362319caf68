"""Datasets and transforms; importing this package registers all of them.

The registries list ``locations=['depth.datasets']``, so configs need no
``custom_imports``.
"""
# mmcv's transforms (LoadImageFromFile, TestTimeAug, ...) register into
# mmengine's root TRANSFORMS, the parent of ours.
import mmcv.transforms  # noqa: F401

from .base_depth_dataset import BaseDepthDataset
from .custom_depth_dataset import CustomDepthDataset
from .kitti_dataset import KITTIDataset
from .nyu_dataset import NYUDataset
from .nyu_scene_dataset import NYUSceneDataset
from .sunrgbd_dataset import SUNRGBDDataset
from .synthetic_depth_dataset import SyntheticDepthDataset
from .transforms import (ColorAug, KBCrop, LoadDepthAnnotation, NYUCrop,
                         PackDepthInputs, RandomCrop, RandomFlip, RandomRotate,
                         Resize, decode_depth_png)

__all__ = [
    'BaseDepthDataset', 'KITTIDataset', 'NYUDataset', 'NYUSceneDataset',
    'SUNRGBDDataset', 'CustomDepthDataset', 'SyntheticDepthDataset',
    'LoadDepthAnnotation', 'decode_depth_png', 'RandomFlip', 'RandomCrop',
    'RandomRotate', 'Resize', 'KBCrop', 'NYUCrop', 'ColorAug',
    'PackDepthInputs'
]
