"""Batches, normalises and pads images and their depth maps."""
from numbers import Number
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import ImgDataPreprocessor
from mmengine.structures import PixelData
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptConfigType


@MODELS.register_module()
class DepthDataPreprocessor(ImgDataPreprocessor):
    """Normalise, pad and stack images and ground-truth depth.

    Images (``(3, H, W)`` uint8 BGR from ``PackDepthInputs``) are converted
    to RGB when ``bgr_to_rgb``, normalised with ``mean``/``std`` and padded
    at the bottom and right to a common size: the largest size in the batch
    rounded up to ``size_divisor``, or the fixed ``size``. In training the
    ground-truth depth maps are padded the same way with ``depth_pad_val``
    (0, i.e. invalid), so padded pixels never enter a loss; at test time
    they keep their original size for the metric (the prediction is cropped
    back by ``postprocess_result``).

    Written into every sample's metainfo: ``batch_input_shape``,
    ``pad_shape`` and ``padding_size`` ``(left, right, top, bottom)``.

    Args:
        mean, std (Sequence[float], optional): Normalisation per channel.
        size (tuple[int, int], optional): Fixed padded size ``(H, W)``.
        size_divisor (int, optional): Pad H and W to multiples of it.
        pad_val (float): Image padding value. Defaults to 0.
        depth_pad_val (float): Depth padding value. Defaults to 0.
        bgr_to_rgb (bool): Swap channels. Defaults to False.
        test_cfg (dict, optional): ``size``/``size_divisor`` used instead at
            test time (e.g. ``dict(size_divisor=32)`` for Swin).
        batch_augments (list[dict], optional): Batch-level augmentations
            built from ``MODELS``, called as ``aug(inputs, data_samples)``
            in training.
        non_blocking (bool): Copy to the device asynchronously. Defaults
            to False.
        channels_last (bool): Return the batch in the channels-last memory
            layout (the values are the same; convolutions then run in that
            layout, about 1.3x faster for the MobileNetV2 demo on CPU).
            Defaults to False.
    """

    def __init__(self,
                 mean: Optional[Sequence[Number]] = None,
                 std: Optional[Sequence[Number]] = None,
                 size: Optional[Tuple[int, int]] = None,
                 size_divisor: Optional[int] = None,
                 pad_val: Number = 0,
                 depth_pad_val: Number = 0,
                 bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False,
                 test_cfg: OptConfigType = None,
                 batch_augments: Optional[List[dict]] = None,
                 non_blocking: bool = False,
                 channels_last: bool = False) -> None:
        super().__init__(
            mean=mean,
            std=std,
            pad_size_divisor=1,
            pad_value=pad_val,
            bgr_to_rgb=bgr_to_rgb,
            rgb_to_bgr=rgb_to_bgr,
            non_blocking=non_blocking)
        self.size = size
        self.size_divisor = size_divisor
        self.pad_val = pad_val
        self.depth_pad_val = depth_pad_val
        self.test_cfg = test_cfg or {}
        self.channels_last = channels_last
        self.batch_augments = [MODELS.build(a) for a in batch_augments] \
            if batch_augments else None

    def _target_size(self, shapes: List[Tuple[int, int]], size,
                     size_divisor) -> Tuple[int, int]:
        h = max(s[0] for s in shapes)
        w = max(s[1] for s in shapes)
        if size is not None:
            if h > size[0] or w > size[1]:
                raise ValueError(f'DepthDataPreprocessor: image of {h}x{w} '
                                 f'is larger than the padding size {size}')
            return tuple(size)
        if size_divisor:
            h = -(-h // size_divisor) * size_divisor
            w = -(-w // size_divisor) * size_divisor
        return h, w

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Preprocess a batch collated by ``pseudo_collate``.

        Args:
            data (dict): ``inputs`` (list of ``(3, H, W)`` tensors) and
                ``data_samples`` (list of ``DepthDataSample``).
            training (bool): Whether in training.

        Returns:
            dict: ``inputs`` ``(N, 3, H_pad, W_pad)`` float and the data
            samples with padded ground truth.
        """
        data = self.cast_data(data)
        inputs = data['inputs']
        data_samples = data.get('data_samples', None)
        if isinstance(inputs, Tensor):
            inputs = list(inputs)
        imgs = []
        for img in inputs:
            if self._channel_conversion:
                img = img[[2, 1, 0], ...]
            img = img.float()
            if self._enable_normalize:
                img = (img - self.mean) / self.std
            imgs.append(img)

        if training:
            size, divisor = self.size, self.size_divisor
        else:
            size = self.test_cfg.get('size', self.size)
            divisor = self.test_cfg.get('size_divisor', self.size_divisor)
        th, tw = self._target_size([i.shape[-2:] for i in imgs], size, divisor)
        padded = []
        for i, img in enumerate(imgs):
            h, w = img.shape[-2:]
            pad = (0, tw - w, 0, th - h)
            padded.append(F.pad(img, pad, value=self.pad_val))
            if data_samples is not None:
                sample = data_samples[i]
                if training and 'gt_depth_map' in sample:
                    gt = sample.gt_depth_map.data
                    if tuple(gt.shape[-2:]) != (h, w):
                        raise ValueError(
                            'DepthDataPreprocessor: ground truth of '
                            f"{sample.metainfo.get('img_path')} has shape "
                            f'{tuple(gt.shape[-2:])} but the image is '
                            f'{(h, w)}; a transform moved one without the '
                            'other')
                    sample.gt_depth_map = PixelData(
                        data=F.pad(gt, pad, value=self.depth_pad_val))
                sample.set_metainfo(
                    dict(
                        batch_input_shape=(th, tw),
                        pad_shape=(th, tw),
                        padding_size=(0, tw - w, 0, th - h)))
        batch = torch.stack(padded, dim=0)
        if training and self.batch_augments is not None:
            for aug in self.batch_augments:
                batch, data_samples = aug(batch, data_samples)
        if self.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        return dict(inputs=batch, data_samples=data_samples)
