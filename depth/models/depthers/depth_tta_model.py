"""Flip test-time augmentation: the mean of the views."""
from typing import List

import torch
from mmengine.model import BaseTTAModel
from mmengine.structures import PixelData

from depth.registry import MODELS
from depth.utils import SampleList


@MODELS.register_module()
class DepthTTAModel(BaseTTAModel):
    """Average the predictions of test-time augmented views (flips).

    Each view's prediction has already been un-flipped and resized to the
    original size by ``postprocess_result``, so the merge is a plain mean
    of depth values, as the original toolbox does.
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        """Merge the views of every image.

        Args:
            data_samples_list (list[list[DepthDataSample]]): For each image,
                its augmented views.

        Returns:
            list[DepthDataSample]: One sample per image with the averaged
            ``pred_depth_map``.
        """
        merged = []
        for views in data_samples_list:
            depth = torch.stack([v.pred_depth_map.data for v in views]).mean(0)
            out = views[0].new()
            out.pred_depth_map = PixelData(data=depth)
            if 'gt_depth_map' in views[0]:
                out.gt_depth_map = views[0].gt_depth_map
            out.set_metainfo(dict(flip=False))
            merged.append(out)
        return merged
