"""DenseDepth-style U-Net decoder (the head of DepthFormer and the demo)."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from depth.registry import MODELS
from ..utils import resize
from .base_depth_head import BaseDepthHead


class UpSample(nn.Module):
    """Upsample to the skip's size, concatenate, then two 3x3 convs."""

    def __init__(self, in_channels: int, out_channels: int, align_corners,
                 conv_cfg, norm_cfg, act_cfg) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.convs = nn.Sequential(
            ConvModule(
                in_channels,
                out_channels,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg),
            ConvModule(
                out_channels,
                out_channels,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg))

    def forward(self, x: Tensor, skip: Tensor) -> Tensor:
        x = resize(x, skip.shape[-2:], align_corners=self.align_corners)
        return self.convs(torch.cat([x, skip], dim=1))


@MODELS.register_module()
class DenseDepthHead(BaseDepthHead):
    """DenseDepth-style U-Net decoder with direct depth regression.

    A 1x1 conv on the deepest feature, then for every shallower level an
    upsample to its size, a concatenation with it and two 3x3 convs. The
    output has the resolution of the finest input level (``H/2`` with the
    usual 5-level encoders) and is upsampled in the loss and at test time.

    Args:
        in_channels (Sequence[int]): Channels of the input levels, finest
            first, e.g. ``[64, 256, 512, 1024, 2048]``.
        up_sample_channels (Sequence[int]): Output channels of the decoder
            stage at each level, finest first; the deepest entry is the
            width of the 1x1 bottleneck conv.
        channels (int): Width of the final feature; must equal
            ``up_sample_channels[0]``.
        fpn (bool): Use an FPN (lateral 1x1 + output 3x3 with top-down
            addition) instead of the U-Net blocks. Defaults to False.
        conv_dim (int): FPN width. Defaults to 256.
        **kwargs: See :class:`BaseDepthHead`.

    Shapes:
        inputs: tuple of ``(N, in_channels[i], H_i, W_i)``.
        output: ``(N, 1, H_0, W_0)`` depth in metres.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 up_sample_channels: Sequence[int],
                 channels: int,
                 fpn: bool = False,
                 conv_dim: int = 256,
                 **kwargs) -> None:
        super().__init__(in_channels=in_channels, channels=channels, **kwargs)
        if len(in_channels) != len(up_sample_channels):
            raise ValueError(
                'DenseDepthHead: in_channels and up_sample_channels must have '
                f'the same length, got {list(in_channels)} and '
                f'{list(up_sample_channels)}')
        self.up_sample_channels = list(up_sample_channels)
        self.fpn = fpn
        layer_cfg = dict(
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        if fpn:
            if channels != conv_dim:
                raise ValueError('DenseDepthHead(fpn=True): channels must '
                                 f'equal conv_dim ({conv_dim})')
            self.lateral_convs = nn.ModuleList(
                [ConvModule(c, conv_dim, 1, **layer_cfg) for c in in_channels])
            self.output_convs = nn.ModuleList([
                ConvModule(conv_dim, conv_dim, 3, padding=1, **layer_cfg)
                for _ in in_channels
            ])
        else:
            if channels != up_sample_channels[0]:
                raise ValueError('DenseDepthHead: channels must equal '
                                 f'up_sample_channels[0], got {channels} and '
                                 f'{up_sample_channels[0]}')
            self.conv_list = nn.ModuleList([
                ConvModule(
                    in_channels[-1],
                    up_sample_channels[-1],
                    1,
                    act_cfg=None,
                    conv_cfg=self.conv_cfg)
            ])
            for i in range(len(in_channels) - 2, -1, -1):
                self.conv_list.append(
                    UpSample(up_sample_channels[i + 1] + in_channels[i],
                             up_sample_channels[i], self.align_corners,
                             **layer_cfg))
        self.conv_depth = nn.Conv2d(channels, 1, 3, padding=1)

    def decode(self, inputs: Tuple[Tensor, ...]) -> Tensor:
        """Run the decoder; returns the finest feature ``(N, C, H_0, W_0)``."""
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'DenseDepthHead expects {len(self.in_channels)} '
                             f'feature levels, got {len(inputs)}')
        if self.fpn:
            x = self.output_convs[-1](self.lateral_convs[-1](inputs[-1]))
            for i in range(len(inputs) - 2, -1, -1):
                lat = self.lateral_convs[i](inputs[i])
                x = lat + resize(
                    x, lat.shape[-2:], align_corners=self.align_corners)
                x = self.output_convs[i](x)
            return x
        x = self.conv_list[0](inputs[-1])
        for k, block in enumerate(self.conv_list[1:]):
            x = block(x, inputs[len(inputs) - 2 - k])
        return x

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tensor:
        return self.depth_pred(self.decode(inputs), self.conv_depth)
