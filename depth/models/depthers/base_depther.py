"""The base of every depther: mode dispatch and post-processing."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Tuple

from mmengine.model import BaseModel
from mmengine.structures import PixelData
from torch import Tensor

from depth.structures import DepthDataSample
from depth.utils import (ForwardResults, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList)
from ..utils import resize


class BaseDepther(BaseModel, metaclass=ABCMeta):
    """Base class of depth estimators.

    ``forward(inputs, data_samples, mode)`` dispatches to :meth:`loss`
    (``mode='loss'``), :meth:`predict` (``'predict'``) or :meth:`_forward`
    (``'tensor'``).

    Args:
        data_preprocessor (dict, optional): Config of the data preprocessor.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)

    @property
    def with_neck(self) -> bool:
        return getattr(self, 'neck', None) is not None

    @property
    def with_auxiliary_head(self) -> bool:
        return getattr(self, 'auxiliary_head', None) is not None

    def forward(self,
                inputs: Tensor,
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> ForwardResults:
        """Dispatch on ``mode``.

        Args:
            inputs (Tensor): Images ``(N, 3, H, W)``, normalised.
            data_samples (list[DepthDataSample], optional): Annotations and
                meta.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        elif mode == 'predict':
            return self.predict(inputs, data_samples)
        elif mode == 'tensor':
            return self._forward(inputs, data_samples)
        else:
            raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                               'predict and tensor mode')

    @abstractmethod
    def extract_feat(self, inputs: Tensor) -> Tuple[Tensor, ...]:
        """Extract features."""

    @abstractmethod
    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]):
        """Depth at the network input size ``(N, 1, H, W)``."""

    @abstractmethod
    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """Losses of a batch."""

    @abstractmethod
    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Predictions at the original image size."""

    @abstractmethod
    def _forward(self, inputs: Tensor, data_samples: OptSampleList = None):
        """Raw network output."""

    def postprocess_result(self,
                           depth: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """Turn the batch output into per-image predictions at the original
        size.

        For every image: remove the padding (crop to ``img_shape``), undo a
        test-time flip, resize bilinearly to ``ori_shape``, clamp to the
        head's ``[min_depth, max_depth]``.

        The heads already clamp at their own resolution before resizing to
        the input (the original toolbox's order, see
        :meth:`BaseDepthHead.predict_by_feat`), so for them the final clamp
        only guarantees the range; it matters for a head that does not.

        Args:
            depth (Tensor): ``(N, 1, H_pad, W_pad)``.
            data_samples (list[DepthDataSample], optional): Meta of each
                image; new samples are made when None.

        Returns:
            list[DepthDataSample]: With ``pred_depth_map`` ``(1, H_ori,
            W_ori)``.
        """
        n = depth.shape[0]
        if data_samples is None:
            data_samples = [DepthDataSample() for _ in range(n)]
        min_depth, max_depth = self.depth_range()
        for i in range(n):
            meta = data_samples[i].metainfo
            pred = depth[i:i + 1]
            if 'img_shape' in meta:
                h, w = meta['img_shape'][:2]
                pred = pred[..., :h, :w]
            if meta.get('flip', False):
                direction = meta.get('flip_direction', 'horizontal')
                if direction == 'horizontal':
                    pred = pred.flip(dims=(3, ))
                elif direction == 'vertical':
                    pred = pred.flip(dims=(2, ))
                else:
                    raise ValueError(
                        f'Unknown flip_direction {direction!r} in the meta '
                        f"of {meta.get('img_path')}")
            if 'ori_shape' in meta:
                pred = resize(
                    pred,
                    meta['ori_shape'][:2],
                    align_corners=self.align_corners)
            pred = pred.clamp(min=min_depth, max=max_depth)
            data_samples[i].pred_depth_map = PixelData(data=pred[0])
        return data_samples

    def depth_range(self) -> Tuple[Optional[float], Optional[float]]:
        """``(min_depth, max_depth)`` used to clamp predictions."""
        return None, None

    @property
    def align_corners(self) -> bool:
        return False
