"""Packing of a sample into model inputs and a DepthDataSample."""
from typing import Sequence

import cv2
import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmengine.structures import PixelData

from depth.registry import TRANSFORMS
from depth.structures import DepthDataSample
from .utils import describe

DEFAULT_META_KEYS = ('img_path', 'depth_map_path', 'ori_shape', 'img_shape',
                     'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                     'focal', 'cam_intrinsic', 'depth_scale')


@TRANSFORMS.register_module()
class PackDepthInputs(BaseTransform):
    """Pack ``img`` and ``gt_depth_map`` for the model.

    Output: ``dict(inputs=..., data_samples=...)`` where

    * ``inputs`` is the image as a contiguous ``(C, H, W)`` tensor of the
      image's dtype (uint8 as loaded, BGR channel order: the data
      preprocessor converts with ``bgr_to_rgb=True`` and normalises);
    * ``data_samples`` is a :class:`DepthDataSample` with ``gt_depth_map``
      (``PixelData`` of a ``(1, H, W)`` float32 tensor) when the results
      hold one, and the metainfo of whichever ``meta_keys`` are present.

    Required keys: ``img``. Optional: ``gt_depth_map`` and the meta keys.

    Args:
        meta_keys (Sequence[str]): Keys copied into the sample's metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        """Pack the results."""
        if 'img' not in results:
            raise KeyError('PackDepthInputs: results has no "img" '
                           f'({describe(results)}).')
        img = results['img']
        if img.ndim == 2:
            chw = img[None]
        elif img.shape[2] <= 4:
            # One contiguous plane per channel: faster than a transposing
            # copy of an interleaved (and often cropped, strided) image.
            chw = np.stack(cv2.split(img))
        else:
            chw = img.transpose(2, 0, 1)
        inputs = torch.from_numpy(np.ascontiguousarray(chw))
        sample = DepthDataSample()
        if 'gt_depth_map' in results:
            depth = results['gt_depth_map']
            if depth.ndim != 2:
                raise ValueError(
                    f'PackDepthInputs: gt_depth_map must be (H, W), got '
                    f'{depth.shape} ({describe(results)}).')
            depth = np.ascontiguousarray(depth[None], dtype=np.float32)
            sample.gt_depth_map = PixelData(data=torch.from_numpy(depth))
        sample.set_metainfo(
            {key: results[key]
             for key in self.meta_keys if key in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
