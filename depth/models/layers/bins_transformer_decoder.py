"""Transformer bins decoder of BinsFormer: queries -> bins and per-pixel
bin logits after every layer."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig


class _MLP(nn.Module):
    """``num_layers`` linear layers with ReLU in between."""

    def __init__(self, in_dims: int, hidden_dims: int, out_dims: int,
                 num_layers: int) -> None:
        super().__init__()
        dims = [in_dims] + [hidden_dims] * (num_layers - 1) + [out_dims]
        self.layers = nn.ModuleList(
            nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x: Tensor) -> Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class _DecoderLayer(nn.Module):
    """Cross-attention to one pixel level, LayerNorm, query self-attention,
    LayerNorm, FFN, LayerNorm (post-norm, as mmcv's layers with
    ``operation_order=('cross_attn', 'norm', 'self_attn', 'norm', 'ffn',
    'norm')``)."""

    def __init__(self, embed_dims: int, num_heads: int,
                 feedforward_channels: int, dropout: float) -> None:
        super().__init__()
        self.cross_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(embed_dims)
        self.self_attn = nn.MultiheadAttention(
            embed_dims, num_heads, dropout=dropout, batch_first=True)
        self.norm2 = nn.LayerNorm(embed_dims)
        self.fc1 = nn.Linear(embed_dims, feedforward_channels)
        self.fc2 = nn.Linear(feedforward_channels, embed_dims)
        self.norm3 = nn.LayerNorm(embed_dims)

    def forward(self, q: Tensor, q_pos: Tensor, src: Tensor,
                src_pos: Tensor) -> Tensor:
        q = self.norm1(q + self.cross_attn(q + q_pos, src + src_pos, src)[0])
        k = q + q_pos
        q = self.norm2(q + self.self_attn(k, k, q)[0])
        return self.norm3(q + self.fc2(F.relu(self.fc1(q))))


@MODELS.register_module()
class BinsTransformerDecoder(BaseModule):
    """BinsFormer's Transformer decoder (Li et al. 2022, section 3.2).

    ``Q`` learned queries attend, layer by layer, to one of the multi-scale
    pixel features (cross-attention), to each other (self-attention) and go
    through an FFN. After every layer the LayerNorm-ed queries give:

    * the bins: ``bins_embed`` (linear, 1 output) per bins query, ``(N,
      n_bins)`` unnormalised widths;
    * the per-pixel bin logits: the similarity ``<mask_embed(q_k),
      F(x)>`` of each bins query embedding (3-layer MLP) with the per-pixel
      feature ``F`` ``(N, C, h, w)``: ``(N, n_bins, h, w)``;
    * with ``classify``, the scene-class logits of the extra query 0
      (3-layer MLP): ``(N, num_classes)``; the bins queries are 1..Q-1.

    Layer ``i`` attends to pixel level ``i % num_levels`` (``level_order=
    'cycle'``, the original's ``operation='%'``) or ``i // num_levels``
    (``'block'``, the original's ``'//'``: 0,0,0,1,1,1,2,2,2 for 9 layers
    and 3 levels), coarse to fine in both cases.

    Args:
        embed_dims (int): Query and pixel width ``C``. Defaults to 256.
        num_layers (int): Decoder layers (one prediction each). Defaults
            to 9.
        num_levels (int): Pixel levels attended to. Defaults to 3.
        num_heads (int): Attention heads. Defaults to 8.
        feedforward_channels (int): FFN hidden width. Defaults to 2048.
        dropout (float): Attention dropout. Defaults to 0.
        classify (bool): Query 0 is the scene-classification query.
            Defaults to True.
        num_classes (int): Scene classes. Defaults to 25.
        level_order (str): ``'cycle'`` or ``'block'`` (see above).
            Defaults to ``'cycle'``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_layers: int = 9,
                 num_levels: int = 3,
                 num_heads: int = 8,
                 feedforward_channels: int = 2048,
                 dropout: float = 0.,
                 classify: bool = True,
                 num_classes: int = 25,
                 level_order: str = 'cycle',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if level_order not in ('cycle', 'block'):
            raise ValueError('BinsTransformerDecoder: level_order must be '
                             f"'cycle' or 'block', got {level_order!r}")
        if num_layers < 1:
            raise ValueError('BinsTransformerDecoder: num_layers must be >= '
                             f'1, got {num_layers}')
        if level_order == 'block' and \
                (num_layers - 1) // num_levels >= num_levels:
            raise ValueError(
                "BinsTransformerDecoder: level_order='block' attends to level"
                f' i // {num_levels}, which needs num_layers <= '
                f'{num_levels * num_levels}, got {num_layers}')
        self.num_layers = num_layers
        self.num_levels = num_levels
        self.classify = classify
        self.level_order = level_order
        self.layers = nn.ModuleList([
            _DecoderLayer(embed_dims, num_heads, feedforward_channels, dropout)
            for _ in range(num_layers)
        ])
        self.decoder_norm = nn.LayerNorm(embed_dims)
        self.bins_embed = nn.Linear(embed_dims, 1)
        self.mask_embed = _MLP(embed_dims, embed_dims, embed_dims, 3)
        if classify:
            self.class_embed = _MLP(embed_dims, embed_dims, num_classes, 3)

    def level_index(self, layer: int) -> int:
        """The pixel level that decoder layer ``layer`` attends to."""
        if self.level_order == 'cycle':
            return layer % self.num_levels
        return layer // self.num_levels

    def predict_layer(
            self, queries: Tensor,
            pixel_feat: Tensor) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
        """Bins, per-pixel logits and class logits of one layer's queries.

        Args:
            queries (Tensor): ``(N, Q, C)``.
            pixel_feat (Tensor): ``(N, C, h, w)``.

        Returns:
            tuple: bins ``(N, n_bins)``, logits ``(N, n_bins, h, w)``, class
            logits ``(N, num_classes)`` or None.
        """
        out = self.decoder_norm(queries)
        cls = None
        if self.classify:
            cls = self.class_embed(out[:, 0])
            out = out[:, 1:]
        bins = self.bins_embed(out).squeeze(-1)
        logits = torch.einsum('bqc,bchw->bqhw', self.mask_embed(out),
                              pixel_feat)
        return bins, logits, cls

    def forward(
        self, query_content: Tensor, query_pos: Tensor, srcs: Sequence[Tensor],
        src_pos: Sequence[Tensor], pixel_feat: Tensor
    ) -> Tuple[List[Tensor], List[Tensor], List[Optional[Tensor]]]:
        """Decode.

        Args:
            query_content (Tensor): Initial queries ``(N, Q, C)``.
            query_pos (Tensor): Query positional embeddings ``(N, Q, C)``.
            srcs (Sequence[Tensor]): Pixel levels, flattened ``(N, h_l w_l,
                C)``.
            src_pos (Sequence[Tensor]): Their positional encodings, same
                shapes.
            pixel_feat (Tensor): Per-pixel feature ``(N, C, h, w)``.

        Returns:
            tuple[list]: Per layer: bins ``(N, n_bins)``, logits ``(N,
            n_bins, h, w)``, class logits ``(N, num_classes)`` (None
            without ``classify``).
        """
        if len(srcs) != self.num_levels or len(src_pos) != len(srcs):
            raise ValueError(
                f'BinsTransformerDecoder: built for {self.num_levels} levels,'
                f' got {len(srcs)} features and {len(src_pos)} encodings')
        q = query_content
        all_bins, all_logits, all_cls = [], [], []
        for i, layer in enumerate(self.layers):
            lvl = self.level_index(i)
            q = layer(q, query_pos, srcs[lvl], src_pos[lvl])
            bins, logits, cls = self.predict_layer(q, pixel_feat)
            all_bins.append(bins)
            all_logits.append(logits)
            all_cls.append(cls)
        return all_bins, all_logits, all_cls
