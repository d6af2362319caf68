"""Any timm ``features_only`` model as a backbone, with ACAN's official
dilation option."""
from typing import Dict, Optional, Sequence, Tuple

import timm
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig
from ..utils import split_norm_act, timm_pretrained_kwargs


@MODELS.register_module()
class TimmBackbone(BaseModule):
    """Any timm model as a multi-level feature extractor
    (``features_only=True``).

    Pretrained weights come only from a local file: ``pretrained`` is a
    path to a checkpoint in the key layout of the timm model (for example
    a ``pytorch_model.bin``/``.safetensors``/``.pth`` of the timm hub
    release). Nothing is ever downloaded.

    Args:
        model_name (str): timm model name, e.g. ``'resnet50'``,
            ``'tf_efficientnet_b5'``, ``'convnext_tiny'``.
        pretrained (str, optional): Local checkpoint path. Defaults to None
            (random initialisation).
        out_indices (Sequence[int], optional): Feature levels to return.
            Defaults to all levels of the model.
        in_channels (int): Input channels. Defaults to 3.
        first_block_dilation (dict[str, int], optional): ResNet-family
            models only: stage name -> dilation of the 3x3 convolution of
            the FIRST block of that stage (padding set equal, weights
            unchanged), e.g. ``dict(layer3=2, layer4=4)``. With
            ``output_stride=8`` timm (like torchvision's
            ``replace_stride_with_dilation``) gives the first block of a
            dilated stage the previous stage's dilation (1 for ``layer3``,
            2 for ``layer4``); the official ACAN code gives every block of
            ``layer3``/``layer4`` dilation 2/4, which this reproduces.
            Defaults to None (timm's layout).
        init_cfg (dict, optional): Initialisation config.
        **kwargs: Passed to ``timm.create_model`` (e.g. ``drop_path_rate``,
            ``output_stride``).

    timm's fused ``BatchNormAct2d`` layers (EfficientNet, MobileNet...) are
    split into a BatchNorm and the activation, so that ``sync_bn`` and
    mmengine's SyncBN revert keep the activations.

    Attributes:
        out_channels (list[int]): Channels of each returned level.
        reductions (list[int]): Stride of each returned level.

    Shapes:
        input ``(N, in_channels, H, W)``; output a tuple of
        ``(N, out_channels[i], H / reductions[i], W / reductions[i])``.
    """

    def __init__(self,
                 model_name: str,
                 pretrained: Optional[str] = None,
                 out_indices: Optional[Sequence[int]] = None,
                 in_channels: int = 3,
                 first_block_dilation: Optional[Dict[str, int]] = None,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if out_indices is not None:
            kwargs['out_indices'] = tuple(out_indices)
        kwargs.update(
            timm_pretrained_kwargs('TimmBackbone', model_name, pretrained))
        self.model_name = model_name
        self.model = timm.create_model(
            model_name, features_only=True, in_chans=in_channels, **kwargs)
        # timm's fused BatchNorm+activation layers would lose their
        # activation under SyncBN conversion/revert: split them (after the
        # pretrained weights were loaded into the original layout).
        split_norm_act(self.model)
        if first_block_dilation:
            self._set_first_block_dilation(dict(first_block_dilation))
        self.out_channels = list(self.model.feature_info.channels())
        self.reductions = list(self.model.feature_info.reduction())

    def _set_first_block_dilation(self, dilations: Dict[str, int]) -> None:
        """Set the dilation (and padding) of the 3x3 conv of the first block
        of each named stage: ``conv2`` of a Bottleneck, ``conv1`` of a
        BasicBlock (the convolution timm builds with ``first_dilation``)."""
        for stage_name, dilation in dilations.items():
            stage = getattr(self.model, stage_name, None)
            if not isinstance(stage, nn.Sequential) or len(stage) == 0:
                raise ValueError(
                    f'TimmBackbone: first_block_dilation key {stage_name!r} '
                    f'is not a stage of {self.model_name} (ResNet '
                    "stages are 'layer1' ... 'layer4', and only those up to "
                    'the last of out_indices exist)')
            block = stage[0]
            name = 'conv2' if hasattr(block, 'conv3') else 'conv1'
            conv = getattr(block, name, None)
            if not isinstance(conv, nn.Conv2d) or conv.kernel_size != (3, 3):
                raise ValueError(
                    f'TimmBackbone: first_block_dilation[{stage_name!r}]: '
                    f'the first block of {stage_name} has no 3x3 {name} '
                    '(only ResNet-style Bottleneck/BasicBlock stages are '
                    'supported)')
            if int(dilation) < 1:
                raise ValueError(
                    f'TimmBackbone: first_block_dilation[{stage_name!r}] '
                    f'must be >= 1, got {dilation}')
            conv.dilation = (int(dilation), ) * 2
            conv.padding = (int(dilation), ) * 2

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return tuple(self.model(x))
