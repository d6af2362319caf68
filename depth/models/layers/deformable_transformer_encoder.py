"""Multi-scale deformable Transformer encoder (Deformable DETR's encoder),
the pixel-level self-attention of BinsFormer."""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig
from ..utils import xavier_init_matrices
from .multi_scale_deform_attn import MultiScaleDeformableAttention


class _FFN(nn.Module):
    """``x + fc2(drop(relu(fc1(x))))`` (mmcv's ``FFN`` with two layers)."""

    def __init__(self, embed_dims: int, feedforward_channels: int,
                 dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(embed_dims, feedforward_channels)
        self.fc2 = nn.Linear(feedforward_channels, embed_dims)
        self.act = nn.ReLU(inplace=True)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class _EncoderLayer(nn.Module):
    """Deformable self-attention, LayerNorm, FFN, LayerNorm (post-norm)."""

    def __init__(self, embed_dims: int, num_heads: int, num_levels: int,
                 num_points: int, feedforward_channels: int,
                 dropout: float) -> None:
        super().__init__()
        self.self_attn = MultiScaleDeformableAttention(
            embed_dims=embed_dims,
            num_heads=num_heads,
            num_levels=num_levels,
            num_points=num_points,
            dropout=dropout,
            batch_first=True)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.ffn = _FFN(embed_dims, feedforward_channels, dropout)
        self.norm2 = nn.LayerNorm(embed_dims)

    def forward(self, x: Tensor, pos: Tensor, reference_points: Tensor,
                shapes: List[Tuple[int, int]]) -> Tensor:
        x = self.self_attn(
            x,
            query_pos=pos,
            reference_points=reference_points,
            spatial_shapes=shapes)
        x = self.norm1(x)
        return self.norm2(self.ffn(x))


@MODELS.register_module()
class DeformableTransformerEncoder(BaseModule):
    """Stack of multi-scale deformable self-attention layers over several
    feature levels (Zhu et al. 2021, Deformable DETR's encoder).

    The levels are flattened and concatenated; every pixel of every level is
    a query whose reference point is its own centre ``((j + 0.5) / W_l,
    (i + 0.5) / H_l)``, repeated on every level, and it samples
    ``num_points`` points per head and level around it. The positional
    encoding of level ``l`` is ``pos_l + level_embeds[l]``. Each layer is::

        x = norm1(x + MSDA(x + pos, value=x))
        x = norm2(x + fc2(relu(fc1(x))))

    (post-norm, dropout after the attention and inside the FFN), which is
    mmcv's ``BaseTransformerLayer`` with ``operation_order=('self_attn',
    'norm', 'ffn', 'norm')`` as the original BinsFormer builds it.

    Args:
        embed_dims (int): Feature width ``C``. Defaults to 256.
        num_layers (int): Encoder layers. Defaults to 6.
        num_levels (int): Feature levels. Defaults to 3.
        num_heads (int): Attention heads. Defaults to 8.
        num_points (int): Sampling points per head and level. Defaults
            to 8.
        feedforward_channels (int): Hidden width of the FFN. Defaults to
            1024.
        dropout (float): Dropout of the attention output and the FFN.
            Defaults to 0.1.
        init_cfg (dict, optional): Initialisation config.

    Shapes:
        ``forward(feats, pos_embeds)``: lists of ``(N, C, H_l, W_l)`` ->
        list of ``(N, C, H_l, W_l)``, the same sizes.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_layers: int = 6,
                 num_levels: int = 3,
                 num_heads: int = 8,
                 num_points: int = 8,
                 feedforward_channels: int = 1024,
                 dropout: float = 0.1,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_layers < 1:
            raise ValueError('DeformableTransformerEncoder: num_layers must '
                             f'be >= 1, got {num_layers}')
        self.embed_dims = embed_dims
        self.num_levels = num_levels
        self.level_embeds = nn.Parameter(torch.zeros(num_levels, embed_dims))
        self.layers = nn.ModuleList([
            _EncoderLayer(embed_dims, num_heads, num_levels, num_points,
                          feedforward_channels, dropout)
            for _ in range(num_layers)
        ])
        self.init_weights()

    def init_weights(self) -> None:
        """Xavier-uniform for every matrix, Deformable-DETR initialisation
        of the attention layers, normal level embeddings (as the
        original)."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        xavier_init_matrices(self)
        for m in self.modules():
            if isinstance(m, MultiScaleDeformableAttention):
                m.init_weights()
        nn.init.normal_(self.level_embeds)
        self._is_init = True

    @staticmethod
    def reference_points(shapes: Sequence[Tuple[int, int]], batch_size: int,
                         device: torch.device) -> Tensor:
        """Pixel centres of every level, normalised to ``[0, 1]``.

        Returns:
            Tensor: ``(N, sum_l H_l W_l, num_levels, 2)`` ``(x, y)``.
        """
        refs = []
        for h, w in shapes:
            ref_y, ref_x = torch.meshgrid(
                torch.linspace(
                    0.5, h - 0.5, h, dtype=torch.float32, device=device),
                torch.linspace(
                    0.5, w - 0.5, w, dtype=torch.float32, device=device),
                indexing='ij')
            refs.append(
                torch.stack((ref_x.reshape(-1) / w, ref_y.reshape(-1) / h),
                            -1))
        ref = torch.cat(refs, 0)
        return ref[None, :, None].expand(batch_size, -1, len(shapes), 2)

    def forward(self, feats: Sequence[Tensor],
                pos_embeds: Sequence[Tensor]) -> List[Tensor]:
        """Encode the levels jointly.

        Args:
            feats (Sequence[Tensor]): ``num_levels`` maps ``(N, C, H_l,
                W_l)``.
            pos_embeds (Sequence[Tensor]): Their positional encodings, same
                shapes.

        Returns:
            list[Tensor]: The encoded maps, same shapes and order.
        """
        if len(feats) != self.num_levels or len(pos_embeds) != len(feats):
            raise ValueError(
                f'DeformableTransformerEncoder: built for {self.num_levels} '
                f'levels, got {len(feats)} features and {len(pos_embeds)} '
                'positional encodings')
        n = feats[0].shape[0]
        shapes = [tuple(f.shape[-2:]) for f in feats]
        x = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], 1)
        pos = torch.cat([
            p.flatten(2).transpose(1, 2) + self.level_embeds[i].view(1, 1, -1)
            for i, p in enumerate(pos_embeds)
        ], 1)
        ref = self.reference_points(shapes, n, x.device)
        for layer in self.layers:
            x = layer(x, pos, ref, shapes)
        outs = []
        for y, (h, w) in zip(x.split([h * w for h, w in shapes], 1), shapes):
            outs.append(y.transpose(1, 2).reshape(n, -1, h, w))
        return outs
