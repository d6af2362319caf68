"""The base of every depth head: loss and predict paths, clamping, resizing."""
from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from ..utils import resize


def stack_gt_depth(batch_data_samples: SampleList) -> Tensor:
    """Stack the ground-truth depth maps of a batch into ``(N, 1, H, W)``.

    The data preprocessor pads every map to the batch shape, so they stack.
    """
    try:
        return torch.stack([s.gt_depth_map.data for s in batch_data_samples],
                           dim=0)
    except AttributeError as e:
        raise KeyError(
            'A data sample has no `gt_depth_map`: the training pipeline must '
            'load depth with LoadDepthAnnotation before PackDepthInputs.'
        ) from e


class BaseDepthHead(BaseModule, metaclass=ABCMeta):
    """Base class of depth decode heads.

    Subclasses implement :meth:`forward`, which maps the neck or backbone
    features to an output. By default the output is a depth map
    ``(N, 1, h, w)`` in metres; heads with richer outputs (bins,
    probabilities) override :meth:`loss_by_feat` and :meth:`predict_by_feat`.

    Call graph::

        loss(inputs, batch_data_samples, train_cfg)
          forward(inputs)                 -> depth (N, 1, h, w) (or more)
          loss_by_feat(out, samples)      stack gt_depth_map (N, 1, H, W),
            resize(out, gt size)          bilinear, align_corners
            compute_losses(pred, gt)      every loss in loss_decode,
                                          by its loss_name
        predict(inputs, batch_img_metas, test_cfg)
          forward(inputs)
          predict_by_feat(out, metas)     clamp to [min_depth, max_depth]
                                          at head resolution, then resize
                                          to the padded input size

    Args:
        in_channels (int | Sequence[int]): Channels of the input features.
        channels (int): Channels of the last feature before
            :meth:`depth_pred`.
        min_depth (float): Minimum depth of the output. Defaults to 1e-3.
        max_depth (float, optional): Maximum depth of the output. Required
            by ``scale_up`` and bins heads.
        align_corners (bool): ``align_corners`` of every bilinear resize.
            Defaults to False.
        scale_up (bool): Output ``sigmoid(x) * max_depth`` instead of
            ``relu(x) + min_depth``. Defaults to False.
        conv_cfg, norm_cfg, act_cfg (dict, optional): mmcv layer configs.
        loss_decode (dict | Sequence[dict]): Loss config(s), each giving a
            loss with ``loss_name`` and ``forward(pred, gt)``.
            Defaults to ``SigLoss`` with weight 1.
        init_cfg (dict | list[dict], optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Union[int, Sequence[int]],
                 channels: int,
                 min_depth: float = 1e-3,
                 max_depth: Optional[float] = None,
                 align_corners: bool = False,
                 scale_up: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 loss_decode: Union[ConfigType, Sequence[ConfigType]] = dict(
                     type='SigLoss', loss_weight=1.0),
                 init_cfg: OptMultiConfig = None) -> None:

        super().__init__(init_cfg=init_cfg)
        if scale_up and max_depth is None:
            raise ValueError(f'{type(self).__name__}: scale_up=True needs '
                             'max_depth')
        self.in_channels = in_channels
        self.channels = channels
        self.min_depth = min_depth
        self.max_depth = max_depth
        self.align_corners = align_corners
        self.scale_up = scale_up
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        if isinstance(loss_decode, dict):
            loss_decode = [loss_decode]
        if not isinstance(loss_decode, (list, tuple)):
            raise TypeError('loss_decode must be a dict or a list of dicts, '
                            f'got {type(loss_decode)}')
        self.loss_decode = nn.ModuleList(
            [MODELS.build(cfg) for cfg in loss_decode])

    @abstractmethod
    def forward(self, inputs: Tuple[Tensor, ...]):
        """Map features to the head output."""

    def depth_pred(self, feat: Tensor, conv: nn.Module) -> Tensor:
        """Turn the last feature into depth with the configured output mode.

        Args:
            feat (Tensor): ``(N, C, h, w)``.
            conv (nn.Module): Layer mapping ``C`` channels to 1.

        Returns:
            Tensor: Depth ``(N, 1, h, w)`` in metres.
        """
        out = conv(feat)
        if self.scale_up:
            return torch.sigmoid(out) * self.max_depth
        return F.relu(out) + self.min_depth

    def resize(self, x: Tensor, size: Sequence[int]) -> Tensor:
        """Bilinear resize with the head's ``align_corners``."""
        return resize(x, size, align_corners=self.align_corners)

    def loss(self,
             inputs: Tuple[Tensor, ...],
             batch_data_samples: SampleList,
             train_cfg: OptConfigType = None) -> Dict[str, Tensor]:
        """Forward and compute the losses.

        Args:
            inputs (tuple[Tensor]): Multi-level features.
            batch_data_samples (list[DepthDataSample]): With
                ``gt_depth_map`` padded to the batch shape.
            train_cfg (dict, optional): Training config.

        Returns:
            dict[str, Tensor]: Losses, keys starting with ``loss_``.
        """
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, depth_pred: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Compute every ``loss_decode`` on the prediction upsampled to the
        ground-truth size.

        Args:
            depth_pred (Tensor): ``(N, 1, h, w)``.
            batch_data_samples (list[DepthDataSample]): The batch.

        Returns:
            dict[str, Tensor]: Losses.
        """
        gt = stack_gt_depth(batch_data_samples)
        pred = self.resize(depth_pred, gt.shape[-2:])
        return self.compute_losses(pred, gt)

    def compute_losses(self, pred: Tensor, gt: Tensor) -> Dict[str, Tensor]:
        """Apply every loss of ``loss_decode`` to ``pred`` and ``gt``; losses
        sharing a name are summed."""
        losses: Dict[str, Tensor] = {}
        for loss_module in self.loss_decode:
            self.add_loss(losses, loss_module, loss_module(pred, gt))
        return losses

    @staticmethod
    def add_loss(losses: Dict[str, Tensor], loss_module: nn.Module,
                 value: Tensor) -> None:
        """Store ``value`` in ``losses`` under ``loss_module.loss_name``,
        added to a loss already stored under that name."""
        name = loss_module.loss_name
        losses[name] = losses[name] + value if name in losses else value

    def predict(self,
                inputs: Tuple[Tensor, ...],
                batch_img_metas: List[dict],
                test_cfg: OptConfigType = None) -> Tensor:
        """Forward and return depth at the network input size.

        Args:
            inputs (tuple[Tensor]): Multi-level features.
            batch_img_metas (list[dict]): Meta of each image; the first
                one's ``batch_input_shape`` (or ``pad_shape``/``img_shape``)
                gives the output size.
            test_cfg (dict, optional): Testing config.

        Returns:
            Tensor: Depth ``(N, 1, H_in, W_in)``.
        """
        return self.predict_by_feat(self.forward(inputs), batch_img_metas)

    def predict_by_feat(self, depth_pred: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Clamp the head output to ``[min_depth, max_depth]`` at the head's
        resolution, then resize it to the batch input shape.

        This is the original toolbox's order (``encode_decode``: clamp, then
        bilinear resize). Resizing first and clamping afterwards gives other
        values next to pixels outside the range (up to 0.9 m measured on
        KITTI), so released weights would not reproduce their results.

        Args:
            depth_pred (Tensor): ``(N, 1, h, w)``.
            batch_img_metas (list[dict]): Meta of each image.

        Returns:
            Tensor: ``(N, 1, H_in, W_in)``.
        """
        depth = depth_pred.clamp(min=self.min_depth, max=self.max_depth)
        return self.resize(depth, input_shape(batch_img_metas))


def input_shape(batch_img_metas: List[dict]) -> Tuple[int, int]:
    """The (padded) network input size ``(H, W)`` of a batch."""
    meta = batch_img_metas[0]
    for key in ('batch_input_shape', 'pad_shape', 'img_shape'):
        if key in meta:
            return tuple(meta[key][:2])
    raise KeyError('image meta has none of batch_input_shape, pad_shape, '
                   'img_shape')
