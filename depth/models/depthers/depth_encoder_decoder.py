"""The encoder-decoder depther, with whole and slide inference."""
from typing import Dict, List, Optional, Tuple

import torch.nn as nn
from torch import Tensor

from depth.registry import MODELS
from depth.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList)
from .base_depther import BaseDepther


def add_prefix(inputs: Dict[str, Tensor], prefix: str) -> Dict[str, Tensor]:
    """Prefix every key: ``{'loss_sig': x}`` -> ``{'decode.loss_sig': x}``."""
    return {f'{prefix}.{k}': v for k, v in inputs.items()}


@MODELS.register_module()
class DepthEncoderDecoder(BaseDepther):
    """Backbone, optional neck, decode head (and auxiliary heads).

    Call graph (as mmseg's ``EncoderDecoder``)::

        loss(inputs, data_samples)                      # mode='loss'
          extract_feat(inputs)       backbone -> neck
          decode_head.loss(feats, data_samples, train_cfg)
            forward -> loss_by_feat -> compute_losses  # 'decode.' prefix
          [auxiliary_head.loss(...)]                    # 'aux.' prefix

        predict(inputs, data_samples)                   # mode='predict'
          inference(inputs, metas)   'whole': encode_decode
                                     'slide': slide_inference (windows)
            encode_decode -> extract_feat -> decode_head.predict
              forward -> predict_by_feat (clamp, resize to the input)
          postprocess_result         un-pad, un-flip, resize to
                                     ori_shape, clamp -> pred_depth_map

        _forward(inputs)                                # mode='tensor'
          extract_feat -> decode_head.forward           (raw head output)

    Training: ``loss`` returns the decode head's losses prefixed with
    ``decode.`` and each auxiliary head's with ``aux_{i}.`` (``aux.`` for a
    single one).

    Inference (``test_cfg.mode``):

    - ``'whole'``: the whole (padded) image at once.
    - ``'slide'``: overlapping ``crop_size`` windows with ``stride``,
      averaged where they overlap; for inputs too large for memory.

    Predictions are post-processed by :meth:`postprocess_result`.

    Args:
        backbone (dict): Backbone config.
        decode_head (dict): Decode head config.
        neck (dict, optional): Neck config.
        auxiliary_head (dict | list[dict], optional): Auxiliary heads.
        train_cfg (dict, optional): Passed to the heads' ``loss``.
        test_cfg (dict, optional): ``mode`` ('whole' or 'slide'),
            ``crop_size`` and ``stride`` for slide.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 neck: OptConfigType = None,
                 auxiliary_head: OptMultiConfig = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        if neck is not None:
            self.neck = MODELS.build(neck)
        self.decode_head = MODELS.build(decode_head)
        if auxiliary_head is not None:
            if isinstance(auxiliary_head, list):
                self.auxiliary_head = nn.ModuleList(
                    [MODELS.build(h) for h in auxiliary_head])
            else:
                self.auxiliary_head = MODELS.build(auxiliary_head)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or dict(mode='whole')
        mode = self.test_cfg.get('mode', 'whole')
        if mode not in ('whole', 'slide'):
            raise ValueError(f"test_cfg.mode must be 'whole' or 'slide', "
                             f'got {mode!r}')

    # ------------------------------------------------------------------
    def depth_range(self) -> Tuple[Optional[float], Optional[float]]:
        return (getattr(self.decode_head, 'min_depth',
                        None), getattr(self.decode_head, 'max_depth', None))

    @property
    def align_corners(self) -> bool:
        return getattr(self.decode_head, 'align_corners', False)

    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Backbone (and neck) features of ``(N, 3, H, W)`` images."""
        x = self.backbone(inputs)
        if self.with_neck:
            x = self.neck(x)
        return x

    def encode_decode(self, inputs: Tensor,
                      batch_img_metas: List[dict]) -> Tensor:
        """Depth ``(N, 1, H, W)`` at the size of ``inputs``."""
        x = self.extract_feat(inputs)
        return self.decode_head.predict(x, batch_img_metas, self.test_cfg)

    def loss(self, inputs: Tensor,
             data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of a batch.

        Args:
            inputs (Tensor): ``(N, 3, H, W)``.
            data_samples (list[DepthDataSample]): With ``gt_depth_map``.

        Returns:
            dict[str, Tensor]: Prefixed losses.
        """
        x = self.extract_feat(inputs)
        losses = add_prefix(
            self.decode_head.loss(x, data_samples, self.train_cfg), 'decode')
        if self.with_auxiliary_head:
            if isinstance(self.auxiliary_head, nn.ModuleList):
                for i, head in enumerate(self.auxiliary_head):
                    losses.update(
                        add_prefix(
                            head.loss(x, data_samples, self.train_cfg),
                            f'aux_{i}'))
            else:
                losses.update(
                    add_prefix(
                        self.auxiliary_head.loss(x, data_samples,
                                                 self.train_cfg), 'aux'))
        return losses

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predict depth at every image's original size.

        Returns:
            list[DepthDataSample]: With ``pred_depth_map`` ``(1, H, W)``.
        """
        if data_samples is not None:
            batch_img_metas = [s.metainfo for s in data_samples]
        else:
            shape = tuple(inputs.shape[2:])
            batch_img_metas = [
                dict(
                    ori_shape=shape,
                    img_shape=shape,
                    pad_shape=shape,
                    batch_input_shape=shape) for _ in range(inputs.shape[0])
            ]
        depth = self.inference(inputs, batch_img_metas)
        return self.postprocess_result(depth, data_samples)

    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None):
        """Raw decode-head output of ``(N, 3, H, W)`` images."""
        return self.decode_head.forward(self.extract_feat(inputs))

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Depth ``(N, 1, H, W)`` with the configured test mode."""
        for meta in batch_img_metas:
            meta.setdefault('batch_input_shape', tuple(inputs.shape[2:]))
        if self.test_cfg.get('mode', 'whole') == 'slide':
            return self.slide_inference(inputs, batch_img_metas)
        return self.encode_decode(inputs, batch_img_metas)

    def slide_inference(self, inputs: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Average the predictions of overlapping windows.

        ``test_cfg.crop_size`` ``(h, w)`` and ``test_cfg.stride`` ``(h, w)``
        define the windows; the last window of each row/column is aligned
        to the border so every pixel is covered.
        """
        h_crop, w_crop = self.test_cfg['crop_size']
        h_stride, w_stride = self.test_cfg['stride']
        n, _, h_img, w_img = inputs.shape
        h_grids = max(h_img - h_crop + h_stride - 1, 0) // h_stride + 1
        w_grids = max(w_img - w_crop + w_stride - 1, 0) // w_stride + 1
        preds = inputs.new_zeros((n, 1, h_img, w_img))
        count = inputs.new_zeros((n, 1, h_img, w_img))
        for h_idx in range(h_grids):
            for w_idx in range(w_grids):
                y1 = min(h_idx * h_stride, max(h_img - h_crop, 0))
                x1 = min(w_idx * w_stride, max(w_img - w_crop, 0))
                y2, x2 = min(y1 + h_crop, h_img), min(x1 + w_crop, w_img)
                crop = inputs[:, :, y1:y2, x1:x2]
                metas = [
                    dict(m, batch_input_shape=crop.shape[2:])
                    for m in batch_img_metas
                ]
                preds[:, :, y1:y2, x1:x2] += self.encode_decode(crop, metas)
                count[:, :, y1:y2, x1:x2] += 1
        if (count == 0).any():
            raise RuntimeError('slide_inference left pixels uncovered')
        return preds / count
