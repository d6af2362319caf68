"""LacDepth's first stage: the depth residual pyramid decoder (Sec. 2.2.2,
Eqs. (2)-(4), Figs. 2-3)."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptConfigType, OptMultiConfig
from ..utils import resize


def laplacian_residuals(
        img: Tensor,
        num_levels: int,
        align_corners: bool = False) -> Tuple[List[Tensor], List[Tensor]]:
    """Laplacian pyramid of an image, Eq. (2): ``l_j = I_j - Up(I_{j+1})``.

    ``I_1`` is the image and ``I_{j+1}`` is ``I_j`` bilinearly resized to
    ``ceil(size / 2)`` (for even sizes a 2x2 average); ``Up`` is a bilinear
    resize back to the size of ``I_j``. By construction
    ``I_j = l_j + Up(I_{j+1})``.

    Args:
        img (Tensor): ``(N, C, H, W)``.
        num_levels (int): Number of residuals ``L``.
        align_corners (bool): Of both resizes. Defaults to False.

    Returns:
        tuple[list[Tensor], list[Tensor]]: ``residuals`` ``[l_1, ..., l_L]``
        (``l_j`` at ``1 / 2 ** (j - 1)`` of the input) and ``images``
        ``[I_1, ..., I_{L+1}]``.
    """
    images = [img]
    for _ in range(num_levels):
        h, w = images[-1].shape[-2:]
        images.append(
            F.interpolate(
                images[-1],
                size=((h + 1) // 2, (w + 1) // 2),
                mode='bilinear',
                align_corners=align_corners))
    residuals = [
        images[j] - F.interpolate(
            images[j + 1],
            size=images[j].shape[-2:],
            mode='bilinear',
            align_corners=align_corners) for j in range(num_levels)
    ]
    return residuals, images


class _DilatedResidualFusion(nn.Module):
    """1x1 reduction, then ``x + conv3x3_d2(conv3x3_d1(x))`` ("two-layer
    dilated residual fusion")."""

    def __init__(self, in_channels: int, channels: int,
                 dilations: Sequence[int], **cfg) -> None:
        super().__init__()
        self.reduce = ConvModule(in_channels, channels, 1, **cfg)
        convs = []
        for i, d in enumerate(dilations):
            last = i == len(dilations) - 1
            convs.append(
                ConvModule(
                    channels,
                    channels,
                    3,
                    padding=d,
                    dilation=d,
                    conv_cfg=cfg.get('conv_cfg'),
                    norm_cfg=cfg.get('norm_cfg'),
                    act_cfg=None if last else cfg.get('act_cfg')))
        self.convs = nn.Sequential(*convs)
        act_cfg = cfg.get('act_cfg')
        self.act = build_activation_layer(act_cfg) if act_cfg \
            else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        x = self.reduce(x)
        return self.act(x + self.convs(x))


@MODELS.register_module()
class LaplacianPyramidNeck(BaseModule):
    """Depth residual pyramid decoder of LacDepth.

    **Input.** A tuple whose element 0 is the (normalised) input image
    ``(N, 3, H, W)`` and whose elements 1..S are encoder features at strides
    ``2, 4, ..., 2 ** S``, finest first. :class:`ImagePassthroughBackbone`
    produces exactly this from any multi-level backbone (the image is needed
    for the Laplacian residuals and ``DepthEncoderDecoder`` hands the neck
    only the backbone output).

    **Decoder** (Fig. 2). Every encoder feature ``f_i`` gets a 1x1 conv
    (``F_i``, doubling the channels by default, as in the paper). Starting
    from ``z_S = F_S``, each shallower level ``i = S-1 .. 1`` fuses
    ``concat(Up(z_{i+1}), F_i)`` into ``z_i``: the deep levels (where
    ``dilations[i]`` is set; by default strides 16 and 8) with a two-layer
    dilated residual block, the shallow levels with two 3x3 convs.

    **Upsampling pyramid** (Fig. 3, Eqs. (3)-(4)) with ``L = num_levels``
    levels. Laplacian residuals ``l_1 .. l_L`` of the image (Eq. (2),
    :func:`laplacian_residuals`). The base level at stride ``2 ** L`` takes
    the decoder feature there (``z_L``, or ``F_S`` when ``L = S``) through a
    1x1 conv to ``x_0`` and predicts a depth map ``D_0``. Each finer level
    ``k = 1 .. L`` (stride ``2 ** (L - k)``)::

        x'_k = conv3x3(Up(x_{k-1}))
        x_k  = convs(concat(x'_k, act(conv1x1(l_{L-k+1})), z))   # Eq. (3)
        D_k  = conv3x3(x_k)

    where ``z`` is the decoder feature of that stride (none at full
    resolution). With ``pyramid_fusion='dense'`` (the paper) the maps are
    densely connected into the relative depth
    ``R = conv3x3(concat(Up(D_0), ..., D_L))`` (Eq. (4)); with
    ``'residual'`` (the ablation of Table 6, LapDepth's scheme)
    ``D_k = Up(D_{k-1}) + conv3x3(x_k)`` and ``R = D_L``.

    **Output.** ``(R, z_1, ..., z_{S-1}, f_S)``: the relative depth
    ``(N, 1, H, W)`` (element 0, like the image in the input), the decoder
    features at strides ``2 .. 2 ** (S-1)`` finest first and the raw
    encoder bottleneck. Channels are in :attr:`out_channels`.

    Args:
        in_channels (Sequence[int]): ``[C_img, c_1, ..., c_S]``, e.g.
            ``[3, 64, 256, 512, 1024, 2048]`` for ResNet-101.
        channels (Sequence[int]): Decoder widths at strides
            ``2 .. 2 ** (S-1)``, finest first. Defaults to
            ``(64, 128, 256, 512)``.
        lateral_channels (Sequence[int], optional): Widths of the 1x1
            laterals ``F_1 .. F_S``. Defaults to twice ``c_i`` (the paper).
        dilations (Sequence[tuple | None]): Per decoder level (finest
            first), the two dilation rates of the residual fusion, or None
            for plain 3x3 convs. Defaults to
            ``(None, None, (6, 12), (3, 6))``: dilated fusion at strides 8
            and 16 (the paper gives no rates; these follow DeepLab's
            rate-proportional-to-resolution rule).
        num_levels (int): Pyramid levels ``L``, ``1 <= L <= S``.
            Defaults to 4 (Table 5).
        pyramid_channels (Sequence[int], optional): Widths of ``x`` at
            strides ``1, 2, ..., 2 ** L`` (finest first, ``L + 1`` entries).
            Defaults to ``min(16 * 2 ** i, 256)``.
        pyramid_fusion (str): ``'dense'`` (default) or ``'residual'``.
        align_corners (bool): Of every bilinear resize. Defaults to False.
        conv_cfg, norm_cfg, act_cfg (dict, optional): mmcv layer configs.
            Defaults to BN and ReLU.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: Sequence[int] = (64, 128, 256, 512),
                 lateral_channels: Optional[Sequence[int]] = None,
                 dilations: Sequence[Optional[Sequence[int]]] = (None, None,
                                                                 (6, 12), (3,
                                                                           6)),
                 num_levels: int = 4,
                 pyramid_channels: Optional[Sequence[int]] = None,
                 pyramid_fusion: str = 'dense',
                 align_corners: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        name = type(self).__name__
        in_channels = list(in_channels)
        if len(in_channels) < 3:
            raise ValueError(
                f'{name}: in_channels must list the image channels and at '
                f'least two feature levels, got {in_channels}')
        feat_channels = in_channels[1:]
        num_feats = len(feat_channels)
        channels = list(channels)
        if len(channels) != num_feats - 1:
            raise ValueError(
                f'{name}: channels needs one width per decoder level (strides '
                f'2 .. 2**{num_feats - 1}), i.e. {num_feats - 1} entries for '
                f'in_channels={in_channels}; got {channels}')
        dilations = list(dilations)
        if len(dilations) != num_feats - 1:
            raise ValueError(
                f'{name}: dilations needs {num_feats - 1} entries (one per '
                f'decoder level, finest first), got {dilations}')
        if not 1 <= num_levels <= num_feats:
            raise ValueError(
                f'{name}: num_levels must be in [1, {num_feats}] for '
                f'{num_feats} encoder levels, got {num_levels}')
        if pyramid_fusion not in ('dense', 'residual'):
            raise ValueError(f"{name}: pyramid_fusion must be 'dense' or "
                             f"'residual', got {pyramid_fusion!r}")
        if lateral_channels is None:
            lateral_channels = [2 * c for c in feat_channels]
        lateral_channels = list(lateral_channels)
        if len(lateral_channels) != num_feats:
            raise ValueError(f'{name}: lateral_channels needs {num_feats} '
                             f'entries, got {lateral_channels}')
        if pyramid_channels is None:
            pyramid_channels = [
                min(16 * 2**i, 256) for i in range(num_levels + 1)
            ]
        pyramid_channels = list(pyramid_channels)
        if len(pyramid_channels) != num_levels + 1:
            raise ValueError(
                f'{name}: pyramid_channels needs num_levels + 1 = '
                f'{num_levels + 1} entries (strides 1 .. 2**{num_levels}), '
                f'got {pyramid_channels}')

        self.in_channels = in_channels
        self.channels = channels
        self.num_feats = num_feats
        self.num_levels = num_levels
        self.pyramid_fusion = pyramid_fusion
        self.align_corners = align_corners
        cfg = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.out_channels = [1] + channels + [feat_channels[-1]]

        # decoder
        self.laterals = nn.ModuleList([
            ConvModule(c, lc, 1, **cfg)
            for c, lc in zip(feat_channels, lateral_channels)
        ])
        self.fusions = nn.ModuleList()
        for i in range(num_feats - 1):
            deeper = lateral_channels[-1] if i == num_feats - 2 \
                else channels[i + 1]
            fuse_in = deeper + lateral_channels[i]
            if dilations[i]:
                block = _DilatedResidualFusion(fuse_in, channels[i],
                                               dilations[i], **cfg)
            else:
                block = nn.Sequential(
                    ConvModule(fuse_in, channels[i], 3, padding=1, **cfg),
                    ConvModule(channels[i], channels[i], 3, padding=1, **cfg))
            self.fusions.append(block)

        # upsampling pyramid; index i of these lists = stride 2**i
        dec_channels = {i + 1: c for i, c in enumerate(channels)}
        dec_channels[num_feats] = lateral_channels[-1]
        pc = pyramid_channels
        L = num_levels
        self.base_reduce = ConvModule(dec_channels[L], pc[L], 1, **cfg)
        self.base_depth = nn.Conv2d(pc[L], 1, 3, padding=1)
        self.up_convs = nn.ModuleList()
        self.lap_convs = nn.ModuleList()
        self.level_convs = nn.ModuleList()
        self.depth_convs = nn.ModuleList()
        for s in range(L - 1, -1, -1):  # strides 2**(L-1) .. 1
            self.up_convs.append(
                ConvModule(pc[s + 1], pc[s], 3, padding=1, **cfg))
            self.lap_convs.append(
                ConvModule(
                    in_channels[0],
                    pc[s],
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None,
                    act_cfg=act_cfg))
            cat = 2 * pc[s] + dec_channels.get(s, 0)
            self.level_convs.append(
                nn.Sequential(
                    ConvModule(cat, pc[s], 3, padding=1, **cfg),
                    ConvModule(pc[s], pc[s], 3, padding=1, **cfg)))
            self.depth_convs.append(nn.Conv2d(pc[s], 1, 3, padding=1))
        if pyramid_fusion == 'dense':
            self.dense_conv = nn.Conv2d(L + 1, 1, 3, padding=1)

    def _up(self, x: Tensor, size) -> Tensor:
        return resize(x, size, align_corners=self.align_corners)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Args:
            inputs (tuple[Tensor]): ``(img, f_1, ..., f_S)``.

        Returns:
            tuple[Tensor]: ``(R, z_1, ..., z_{S-1}, f_S)``.
        """
        name = type(self).__name__
        if len(inputs) != self.num_feats + 1:
            raise ValueError(
                f'{name}: expected (image, {self.num_feats} features) = '
                f'{self.num_feats + 1} inputs, got {len(inputs)}. Wrap the '
                'backbone in ImagePassthroughBackbone so that element 0 is '
                'the image.')
        img, feats = inputs[0], list(inputs[1:])
        if img.shape[1] != self.in_channels[0]:
            raise ValueError(
                f'{name}: element 0 must be the image with '
                f'{self.in_channels[0]} channels, got {tuple(img.shape)}')

        # decoder
        lat = [conv(f) for conv, f in zip(self.laterals, feats)]
        dec = {self.num_feats: lat[-1]}
        z = lat[-1]
        for i in range(self.num_feats - 2, -1, -1):
            z = self.fusions[i](
                torch.cat([self._up(z, lat[i].shape[-2:]), lat[i]], dim=1))
            dec[i + 1] = z

        # upsampling pyramid
        L = self.num_levels
        residuals, _ = laplacian_residuals(img, L, self.align_corners)
        x = self.base_reduce(dec[L])
        depth = self.base_depth(x)
        depths = [depth]
        for k, s in enumerate(range(L - 1, -1, -1)):
            size = residuals[s].shape[-2:]
            parts = [
                self.up_convs[k](self._up(x, size)),
                self.lap_convs[k](residuals[s])
            ]
            if s in dec:
                parts.append(self._up(dec[s], size))
            x = self.level_convs[k](torch.cat(parts, dim=1))
            d = self.depth_convs[k](x)
            if self.pyramid_fusion == 'residual':
                d = d + self._up(depth, size)
            depth = d
            depths.append(depth)
        if self.pyramid_fusion == 'dense':
            size = depths[-1].shape[-2:]
            rel = self.dense_conv(
                torch.cat([self._up(d, size) for d in depths], dim=1))
        else:
            rel = depths[-1]
        decoder_feats = [dec[i] for i in range(1, self.num_feats)]
        return (rel, *decoder_feats, feats[-1])
