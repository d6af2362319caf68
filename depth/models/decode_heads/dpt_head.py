"""DPT decoder (Ranftl et al., "Vision Transformers for Dense Prediction")
as Depth Anything V2 uses it."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptConfigType
from .base_depth_head import BaseDepthHead

FeatureType = Union[Tensor, Tuple[Tensor, Tensor]]


class ResidualConvUnit(nn.Module):
    """``x + conv2(act(norm(conv1(act(x)))))`` (norms optional), with a
    non-inplace ReLU so that ``x`` survives for the skip."""

    def __init__(self, channels: int, norm_cfg: OptConfigType) -> None:
        super().__init__()
        with_norm = norm_cfg is not None
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=True)
        if with_norm:
            self.bn1 = build_norm_layer(norm_cfg, channels)[1]
            self.bn2 = build_norm_layer(norm_cfg, channels)[1]
        else:
            self.bn1 = self.bn2 = None
        self.activation = nn.ReLU(inplace=False)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(self.activation(x))
        if self.bn1 is not None:
            out = self.bn1(out)
        out = self.conv2(self.activation(out))
        if self.bn2 is not None:
            out = self.bn2(out)
        return out + x


class FusionBlock(nn.Module):
    """DPT feature fusion: ``x (+ unit1(skip))`` -> ``unit2`` -> bilinear
    resize (to ``size``, or x2) -> 1x1 conv. The deepest block has no skip
    and no ``res_conv_unit1``."""

    def __init__(self, channels: int, with_skip: bool, norm_cfg: OptConfigType,
                 align_corners: bool) -> None:
        super().__init__()
        self.align_corners = align_corners
        if with_skip:
            self.res_conv_unit1 = ResidualConvUnit(channels, norm_cfg)
        else:
            self.res_conv_unit1 = None
        self.res_conv_unit2 = ResidualConvUnit(channels, norm_cfg)
        self.project = nn.Conv2d(channels, channels, 1, bias=True)

    def forward(self,
                x: Tensor,
                skip: Optional[Tensor] = None,
                size: Optional[Sequence[int]] = None) -> Tensor:
        if skip is not None:
            if self.res_conv_unit1 is None:
                raise ValueError('FusionBlock: the deepest block takes no '
                                 'skip feature')
            x = x + self.res_conv_unit1(skip)
        x = self.res_conv_unit2(x)
        if size is None:
            x = F.interpolate(
                x,
                scale_factor=2,
                mode='bilinear',
                align_corners=self.align_corners)
        else:
            x = F.interpolate(
                x,
                size=tuple(size),
                mode='bilinear',
                align_corners=self.align_corners)
        return self.project(x)


@MODELS.register_module()
class DPTHead(BaseDepthHead):
    """DPT head: reassemble four ViT layers into a feature pyramid and fuse
    it with RefineNet-style blocks, as Depth Anything V2's ``DPTHead``.

    Reassemble (level ``i``): optional class-token readout (``concat``:
    ``GELU(Linear([token, cls]))``), a 1x1 conv to
    ``reassemble_channels[i]``, then a resize of the patch grid ``h x w``
    by x4 (4x4 transposed conv, stride 4), x2 (2x2 transposed conv), x1 and
    x1/2 (3x3 conv, stride 2). Each level is projected to ``channels`` by a
    bias-free 3x3 conv; the fusion blocks go from the deepest level up,
    each upsampling to the next level's size (the finest by x2). Then a 3x3
    conv to ``channels // 2``, a bilinear resize to ``(h * patch_size, w *
    patch_size)`` (the input size for a multiple of the patch size), a 3x3
    conv to ``head_channels``, ReLU and a 1x1 conv to depth with the
    output mode of :class:`BaseDepthHead` (``scale_up=True``:
    ``sigmoid * max_depth``, Depth Anything V2 metric).

    Args:
        in_channels (int): Embedding width ``C`` of the ViT layers.
        channels (int): Width of the fusion blocks (the original's
            ``features``: vits 64, vitb 128, vitl 256).
        reassemble_channels (Sequence[int]): Width of each reassembled
            level, shallowest first (the original's ``out_channels``: vits
            ``[48, 96, 192, 384]``, vitb ``[96, 192, 384, 768]``, vitl
            ``[256, 512, 1024, 1024]``).
        head_channels (int): Width before the last 1x1 conv. Defaults to 32.
        patch_size (int): ViT patch size: the output is the token grid
            times it. Defaults to 14.
        use_clstoken (bool): Class-token readout (``concat``). Defaults to
            False (Depth Anything V2).
        fusion_norm_cfg (dict, optional): Norm of the residual units (the
            original's ``use_bn=True`` is ``dict(type='BN')``). Defaults to
            None.
        align_corners (bool): Of every resize. Defaults to True.
        **kwargs: See :class:`BaseDepthHead` (``min_depth``, ``max_depth``,
            ``scale_up``, ``loss_decode``...).

    Shapes:
        inputs: a tuple of four levels, each ``(patch_tokens, cls_token)``
        (``(N, C, h, w)``, ``(N, C)``, as :class:`DINOv2ViT` returns) or a
        ``(N, C, h, w)`` map (only with ``use_clstoken=False``).
        output: ``(N, 1, h * patch_size, w * patch_size)`` depth in metres.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int,
                 reassemble_channels: Sequence[int] = (256, 512, 1024, 1024),
                 head_channels: int = 32,
                 patch_size: int = 14,
                 use_clstoken: bool = False,
                 fusion_norm_cfg: OptConfigType = None,
                 align_corners: bool = True,
                 **kwargs) -> None:
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            align_corners=align_corners,
            **kwargs)
        if not isinstance(in_channels, int):
            raise TypeError('DPTHead: in_channels is the single embedding '
                            f'width of the ViT layers, got {in_channels!r}')
        reassemble_channels = list(reassemble_channels)
        if len(reassemble_channels) != 4:
            raise ValueError('DPTHead: reassemble_channels needs 4 entries '
                             '(one per ViT layer), got '
                             f'{reassemble_channels}')
        self.reassemble_channels = reassemble_channels
        self.head_channels = head_channels
        self.patch_size = patch_size
        self.use_clstoken = use_clstoken
        if use_clstoken:
            self.readout_projects = nn.ModuleList([
                nn.Sequential(
                    nn.Linear(2 * in_channels, in_channels), nn.GELU())
                for _ in reassemble_channels
            ])
        self.projects = nn.ModuleList(
            [nn.Conv2d(in_channels, c, 1) for c in reassemble_channels])
        c = reassemble_channels
        self.resize_layers = nn.ModuleList([
            nn.ConvTranspose2d(c[0], c[0], kernel_size=4, stride=4),
            nn.ConvTranspose2d(c[1], c[1], kernel_size=2, stride=2),
            nn.Identity(),
            nn.Conv2d(c[3], c[3], kernel_size=3, stride=2, padding=1)
        ])
        self.convs = nn.ModuleList([
            nn.Conv2d(ci, channels, 3, padding=1, bias=False)
            for ci in reassemble_channels
        ])
        self.fusion_blocks = nn.ModuleList([
            FusionBlock(channels, i < 3, fusion_norm_cfg, align_corners)
            for i in range(4)
        ])
        self.output_conv1 = nn.Conv2d(channels, channels // 2, 3, padding=1)
        self.output_conv2 = nn.Sequential(
            nn.Conv2d(channels // 2, head_channels, 3, padding=1),
            nn.ReLU(inplace=True))
        self.conv_depth = nn.Conv2d(head_channels, 1, 1)

    def _reassemble(self, inputs: Sequence[FeatureType]) -> List[Tensor]:
        """Reassembled levels ``(N, reassemble_channels[i], h_i, w_i)``."""
        if len(inputs) != 4:
            raise ValueError(f'DPTHead expects 4 ViT layers, got '
                             f'{len(inputs)}')
        outs = []
        for i, feat in enumerate(inputs):
            if isinstance(feat, (tuple, list)):
                x, cls_token = feat
            else:
                x, cls_token = feat, None
            if x.dim() != 4 or x.shape[1] != self.in_channels:
                raise ValueError(
                    f'DPTHead: layer {i} must be (N, {self.in_channels}, h, '
                    f'w), got {tuple(x.shape)}')
            if self.use_clstoken:
                if cls_token is None:
                    raise ValueError('DPTHead(use_clstoken=True) needs '
                                     '(patch_tokens, cls_token) pairs')
                n, c, h, w = x.shape
                tokens = x.flatten(2).transpose(1, 2)
                readout = cls_token.unsqueeze(1).expand_as(tokens)
                tokens = self.readout_projects[i](
                    torch.cat((tokens, readout), -1))
                x = tokens.transpose(1, 2).reshape(n, c, h, w)
            outs.append(self.resize_layers[i](self.projects[i](x)))
        return outs

    def decode(self, inputs: Sequence[FeatureType]) -> Tensor:
        """Fused feature ``(N, channels // 2, h * p, w * p)`` before the
        depth convs."""
        levels = self._reassemble(inputs)
        grid = levels[2].shape[-2:]  # the x1 level: the patch grid
        feats = [conv(x) for conv, x in zip(self.convs, levels)]
        x = self.fusion_blocks[3](feats[3], size=feats[2].shape[-2:])
        x = self.fusion_blocks[2](x, feats[2], size=feats[1].shape[-2:])
        x = self.fusion_blocks[1](x, feats[1], size=feats[0].shape[-2:])
        x = self.fusion_blocks[0](x, feats[0])
        x = self.output_conv1(x)
        size = (int(grid[0] * self.patch_size), int(grid[1] * self.patch_size))
        x = F.interpolate(
            x, size=size, mode='bilinear', align_corners=self.align_corners)
        return self.output_conv2(x)

    def forward(self, inputs: Sequence[FeatureType]) -> Tensor:
        """Depth ``(N, 1, h * patch_size, w * patch_size)``."""
        return self.depth_pred(self.decode(inputs), self.conv_depth)
