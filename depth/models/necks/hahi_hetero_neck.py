"""DepthFormer's HAHI neck (Sec. 3.2): heterogeneous feature interaction
with deformable attention."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptMultiConfig
from ..layers import MultiScaleDeformableAttention
from ..utils import xavier_init_matrices


@MODELS.register_module()
class HAHIHeteroNeck(BaseModule):
    """Hierarchical Aggregation and Heterogeneous Interaction (DepthFormer).

    Inputs are the convolution-branch feature (finest, ``H/2``) followed by
    the Transformer levels (``H/4 ... H/32``).

    1. ``lateral_convs``: 1x1 ConvModule (norm + act) per level,
       ``in_channels[i] -> out_channels[i]``.
    2. Hierarchical aggregation (HA): every Transformer level is projected
       to ``embedding_dim`` (``trans_proj``, 1x1 ConvModule), flattened and
       concatenated; one multi-scale deformable *self*-attention layer over
       all levels (queries = all tokens, value = the same tokens, query
       position = sine encoding + learned ``level_embed``, reference points
       = normalised pixel centres of each token on every level).
    3. Heterogeneous interaction (HI): deformable *cross*-attention from the
       conv feature (``conv_proj`` to ``embedding_dim``; query position =
       its sine encoding; reference points =
       ``sigmoid(reference_points(query_pos))``) to the self-attended
       Transformer tokens.
    4. Fusion: ``conv_fusion`` (3x3 ConvModule) on
       ``cat[cross-attn output, lateral conv feature]``; per Transformer
       level ``trans_fusion`` (3x3 ConvModule) on
       ``cat[lateral feature, self-attended feature]``. Each fusion input
       may first be resized by ``scales[i]`` (all 1 in DepthFormer; the
       original applied ``scales[i]`` to Transformer level ``i`` and never
       to the conv level, here ``scales[i]`` belongs to output ``i``).

    Both attention layers add their input as a residual (Deformable-DETR
    style) and use ``num_heads`` heads and ``num_points`` points per level.

    Args:
        in_channels (Sequence[int]): Input channels, conv level first, e.g.
            ``[64, 192, 384, 768, 1536]`` (Swin-L).
        out_channels (Sequence[int]): Output channels per level.
        embedding_dim (int): Attention width (512 Swin-L, 256 Swin-T).
        positional_encoding (dict): Config of the position encoding, e.g.
            ``dict(type='SinePositionalEncoding', num_feats=256)``; must
            give ``embedding_dim`` channels.
        scales (Sequence[float]): Resize factor per output level, applied
            to the fusion input. Defaults to all 1.
        norm_cfg (dict): Norm of the ConvModules. Defaults to BN.
        act_cfg (dict): Activation of the ConvModules. Defaults to ReLU.
        cross_att (bool): Use the cross-attention (HI). Defaults to True.
        self_att (bool): Use the self-attention (HA). Defaults to True.
        num_points (int): Sampling points per head and level. Defaults to 8.
        num_heads (int): Attention heads. Defaults to 8.
        attn_dropout (float): Dropout of the attention outputs. Defaults to
            0.1 (the deformable attention default).
        init_cfg (dict, optional): Initialisation config.

    Shapes:
        inputs: tuple of ``(N, in_channels[i], H_i, W_i)``.
        outputs: tuple of ``(N, out_channels[i], H_i * s_i, W_i * s_i)``
        (``s_0 = 1``), conv level first.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: Sequence[int],
                 embedding_dim: int,
                 positional_encoding: ConfigType,
                 scales: Optional[Sequence[float]] = None,
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 act_cfg: ConfigType = dict(type='ReLU', inplace=True),
                 cross_att: bool = True,
                 self_att: bool = True,
                 num_points: int = 8,
                 num_heads: int = 8,
                 attn_dropout: float = 0.1,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        in_channels, out_channels = list(in_channels), list(out_channels)
        if len(in_channels) != len(out_channels) or len(in_channels) < 2:
            raise ValueError(
                'HAHIHeteroNeck: in_channels and out_channels must have the '
                'same length (1 conv level + >= 1 Transformer levels), got '
                f'{in_channels} and {out_channels}')
        scales = [1] * len(in_channels) if scales is None else list(scales)
        if len(scales) != len(in_channels):
            raise ValueError(f'HAHIHeteroNeck: scales {scales} must have '
                             f'{len(in_channels)} entries')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.embedding_dim = embedding_dim
        self.scales = scales
        self.cross_att = cross_att
        self.self_att = self_att
        self.num_trans_levels = len(in_channels) - 1
        conv_kw = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)

        self.lateral_convs = nn.ModuleList([
            ConvModule(c_in, c_out, 1, **conv_kw)
            for c_in, c_out in zip(in_channels, out_channels)
        ])
        self.trans_proj = nn.ModuleList([
            ConvModule(c, embedding_dim, 1, **conv_kw)
            for c in out_channels[1:]
        ])
        self.trans_fusion = nn.ModuleList([
            ConvModule(c + embedding_dim, c, 3, padding=1, **conv_kw)
            for c in out_channels[1:]
        ])
        self.conv_proj = ConvModule(out_channels[0], embedding_dim, 1,
                                    **conv_kw)
        self.conv_fusion = ConvModule(
            out_channels[0] + embedding_dim,
            out_channels[0],
            3,
            padding=1,
            **conv_kw)

        self.positional_encoding = MODELS.build(positional_encoding)
        pe_dims = 2 * getattr(self.positional_encoding, 'num_feats',
                              embedding_dim // 2)
        if pe_dims != embedding_dim:
            raise ValueError(
                f'HAHIHeteroNeck: positional_encoding gives {pe_dims} '
                f'channels (2 * num_feats) but embedding_dim is '
                f'{embedding_dim}')
        self.level_embed = nn.Parameter(
            torch.zeros(self.num_trans_levels, embedding_dim))
        self.reference_points = nn.Linear(embedding_dim, 2)
        attn_kw = dict(
            embed_dims=embedding_dim,
            num_heads=num_heads,
            num_levels=self.num_trans_levels,
            num_points=num_points,
            dropout=attn_dropout,
            batch_first=True)
        self.self_attn = MultiScaleDeformableAttention(**attn_kw)
        self.cross_attn = MultiScaleDeformableAttention(**attn_kw)

    def init_weights(self) -> None:
        """Xavier-uniform for every weight matrix and conv (zero conv bias),
        ``reference_points`` xavier with zero bias, ``level_embed`` normal,
        and the deformable attention layers' own initialisation (as in the
        original DepthFormer)."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        xavier_init_matrices(self)
        nn.init.xavier_uniform_(self.reference_points.weight, gain=1.0)
        nn.init.constant_(self.reference_points.bias, 0.)
        nn.init.normal_(self.level_embed)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.xavier_uniform_(m.weight)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0.)
            elif isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        self._is_init = True

    @staticmethod
    def pixel_centre_reference_points(shapes: List[Tuple[int, int]],
                                      device: torch.device) -> Tensor:
        """``(1, sum H*W, 2)`` normalised ``(x, y)`` pixel centres of every
        token of every level, in flattening order."""
        refs = []
        for h, w in shapes:
            ys = (torch.arange(h, dtype=torch.float32, device=device) +
                  0.5) / h
            xs = (torch.arange(w, dtype=torch.float32, device=device) +
                  0.5) / w
            ref_y, ref_x = torch.meshgrid(ys, xs, indexing='ij')
            refs.append(
                torch.stack((ref_x.reshape(-1), ref_y.reshape(-1)), -1))
        return torch.cat(refs, 0)[None]

    @staticmethod
    def _rescale(x: Tensor, scale: float) -> Tensor:
        if scale == 1:
            return x
        return F.interpolate(
            x, scale_factor=scale, mode='bilinear', align_corners=False)

    def _pos(self, feat: Tensor) -> Tensor:
        """Sine encoding of an unpadded map: ``(N, H*W, E)``."""
        n, _, h, w = feat.shape
        mask = feat.new_zeros((n, h, w), dtype=torch.bool)
        return self.positional_encoding(mask).flatten(2).transpose(1, 2)

    def forward(self, inputs: Sequence[Tensor]) -> Tuple[Tensor, ...]:
        """Apply HAHI; see the class docstring for shapes."""
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'HAHIHeteroNeck expects {len(self.in_channels)} '
                             f'feature levels, got {len(inputs)}')
        feats = [conv(x) for conv, x in zip(self.lateral_convs, inputs)]
        feat_conv, feats_trans = feats[0], feats[1:]

        # hierarchical aggregation: deformable self-attention over levels
        shapes = [tuple(f.shape[-2:]) for f in feats_trans]
        tokens, pos = [], []
        for lvl, feat in enumerate(feats_trans):
            tokens.append(self.trans_proj[lvl](feat).flatten(2).transpose(
                1, 2))
            pos.append(self._pos(feat) + self.level_embed[lvl].view(1, 1, -1))
        src = torch.cat(tokens, 1)  # (N, S, E)
        src_pos = torch.cat(pos, 1)
        n = src.shape[0]
        if self.self_att:
            ref = self.pixel_centre_reference_points(shapes, src.device)
            # valid ratios are all 1: the same point on every level
            ref = ref[:, :, None].expand(n, -1, len(shapes), -1)
            src = self.self_attn(
                src,
                query_pos=src_pos,
                reference_points=ref,
                spatial_shapes=shapes)

        # heterogeneous interaction: conv queries attend to the tokens
        query_map = self.conv_proj(feat_conv)
        _, e, h, w = query_map.shape
        query = query_map.flatten(2).transpose(1, 2)
        if self.cross_att:
            query_pos = self._pos(query_map)
            ref = self.reference_points(query_pos).sigmoid()
            ref = ref[:, :, None].expand(-1, -1, len(shapes), -1)
            query = self.cross_attn(
                query,
                value=src,
                query_pos=query_pos,
                reference_points=ref,
                spatial_shapes=shapes)
        fused_conv = query.transpose(1, 2).reshape(n, e, h, w)
        outs = [
            self.conv_fusion(
                self._rescale(
                    torch.cat([fused_conv, feat_conv], 1), self.scales[0]))
        ]

        # fusion of every Transformer level with its attended tokens
        attended = src.split([hh * ww for hh, ww in shapes], 1)
        for lvl, (feat, tok) in enumerate(zip(feats_trans, attended)):
            hh, ww = shapes[lvl]
            x = torch.cat([feat, tok.transpose(1, 2).reshape(n, e, hh, ww)], 1)
            outs.append(self.trans_fusion[lvl](self._rescale(
                x, self.scales[lvl + 1])))
        return tuple(outs)
