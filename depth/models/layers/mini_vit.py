"""AdaBins' mini-ViT (Sec. 3.1): patch transformer, bin widths and
range-attention maps."""
import logging
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from torch import Tensor

from depth.utils import OptMultiConfig

POS_EMBED_TYPES = ('grid', 'flat')


class MiniViT(BaseModule):
    """The mini-ViT of AdaBins (Bhat et al., CVPR 2021, Sec. 3.2.1, Table 1).

    A small Transformer encoder over ``p x p`` patch embeddings of the
    decoded feature map ``x_d``:

    1. An *embedding conv* (kernel = stride = ``patch_size``) maps ``x_d``
       ``(N, C_d, h, w)`` to ``S = (h / p) * (w / p)`` tokens of
       ``embed_dims`` (E) channels; a positional encoding is added.
    2. ``num_layers`` post-norm ``nn.TransformerEncoderLayer`` s
       (``num_heads`` heads, MLP ``feedforward_channels``, ReLU, dropout).
    3. Output token 0 goes through the MLP head (E -> 256 -> 256 ->
       ``out_channels``, LeakyReLU) and gives the unnormalised bin widths
       ``b'``. Output tokens ``1 .. num_queries`` are used as 1x1 kernels:
       their dot product with ``conv3x3(x_d)`` at every pixel gives the
       ``num_queries`` *range-attention maps* ``R``.

    Positional encoding, ``pos_embed_type``:

    - ``'grid'`` (default): a learned ``(E, H_pe, W_pe)`` grid
      (``pos_embed_size``) bilinearly resized to the token grid
      ``(h / p, w / p)`` of every input, as ViT/DeiT do when fine-tuning at
      a new resolution. Any input size works; when the token grid equals
      ``pos_embed_size`` (set it to the training grid, e.g. ``(13, 17)``
      for NYU crops of 416x544 with the decoder at H/2) there is no
      interpolation at all. Not in the original code.
    - ``'flat'``: the original code's layout, needed for its released
      weights: a learned table of ``num_pos_embeds`` (500) rows of E; the
      ``S`` tokens, flattened row by row, get its first ``S`` rows. This
      caps the input at ``num_pos_embeds`` tokens (AdaBins issues #5, #12,
      #40, #67); more tokens raise a ``ValueError`` naming the sizes (no
      silent interpolation), and each row is tied to a flat token index
      rather than a place in the image.

    Small inputs: the queries are patch tokens, so at least
    ``num_queries + 1`` tokens are needed. If the token grid is smaller
    (e.g. a 64x96 test image gives 2x3 tokens) the feature map fed to the
    embedding conv only is bilinearly upsampled by the smallest integer
    factor that gives enough tokens, and a warning is logged once per
    feature size. Range-attention maps always keep the input resolution.
    At the paper's training and test sizes this never happens.

    Args:
        in_channels (int): Channels ``C_d`` of the decoded feature.
        embed_dims (int): Token width E. Defaults to 128.
        patch_size (int): Patch size p. Defaults to 16.
        num_layers (int): Transformer encoder layers. Defaults to 4.
        num_heads (int): Attention heads. Defaults to 4.
        feedforward_channels (int): MLP size of each layer. Defaults to 1024.
        num_queries (int): Number of query kernels C, i.e. of range-attention
            maps. Defaults to 128.
        out_channels (int, optional): Output size of the MLP head on token 0
            (the number of bins). ``None`` builds no MLP head (fixed-bin
            variants that use only the range-attention maps).
            Defaults to 256.
        head_channels (int): Hidden width of the MLP head. Defaults to 256.
        dropout (float): Dropout of the Transformer layers. Defaults to 0.1
            (``nn.TransformerEncoderLayer``'s default, as the original).
        pos_embed_type (str): ``'grid'`` or ``'flat'`` (see above).
            Defaults to 'grid'.
        pos_embed_size (Sequence[int]): ``(H_pe, W_pe)`` of the learned
            positional-encoding grid (``'grid'`` only). Defaults to
            (16, 16).
        num_pos_embeds (int): Rows of the flat table (``'flat'`` only; the
            released AdaBins models have 500). Defaults to 500.
        init_cfg (dict, optional): Initialisation config.

    Shapes:
        input: ``(N, in_channels, h, w)``.
        output: ``(bins (N, out_channels) or None,
        range_attention_maps (N, num_queries, h, w))``.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int = 128,
                 patch_size: int = 16,
                 num_layers: int = 4,
                 num_heads: int = 4,
                 feedforward_channels: int = 1024,
                 num_queries: int = 128,
                 out_channels: Optional[int] = 256,
                 head_channels: int = 256,
                 dropout: float = 0.1,
                 pos_embed_type: str = 'grid',
                 pos_embed_size: Sequence[int] = (16, 16),
                 num_pos_embeds: int = 500,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads != 0:
            raise ValueError(f'MiniViT: embed_dims ({embed_dims}) must be '
                             f'divisible by num_heads ({num_heads})')
        if pos_embed_type not in POS_EMBED_TYPES:
            raise ValueError(f'MiniViT: pos_embed_type must be one of '
                             f'{POS_EMBED_TYPES}, got {pos_embed_type!r}')
        if pos_embed_type == 'grid' and (len(pos_embed_size) != 2
                                         or min(pos_embed_size) < 1):
            raise ValueError('MiniViT: pos_embed_size must be (H, W) with '
                             f'positive entries, got {pos_embed_size}')
        if pos_embed_type == 'flat' and num_pos_embeds < num_queries + 1:
            raise ValueError(
                f'MiniViT: num_pos_embeds ({num_pos_embeds}) must be at '
                f'least num_queries + 1 ({num_queries + 1})')
        self.in_channels = in_channels
        self.embed_dims = embed_dims
        self.patch_size = patch_size
        self.num_queries = num_queries
        self.out_channels = out_channels
        self.pos_embed_type = pos_embed_type

        self.patch_embed = nn.Conv2d(
            in_channels, embed_dims, kernel_size=patch_size, stride=patch_size)
        if pos_embed_type == 'grid':
            self.pos_embed = nn.Parameter(
                torch.zeros(1, embed_dims, *pos_embed_size))
        else:  # the original's (num_pos_embeds, E) table
            self.pos_embed = nn.Parameter(
                torch.zeros(num_pos_embeds, embed_dims))
        layer = nn.TransformerEncoderLayer(
            embed_dims,
            num_heads,
            dim_feedforward=feedforward_channels,
            dropout=dropout,
            batch_first=True)
        self.encoder = nn.TransformerEncoder(
            layer, num_layers=num_layers, enable_nested_tensor=False)
        self.conv3x3 = nn.Conv2d(in_channels, embed_dims, 3, padding=1)
        if out_channels is not None:
            self.regressor = nn.Sequential(
                nn.Linear(embed_dims, head_channels), nn.LeakyReLU(),
                nn.Linear(head_channels, head_channels), nn.LeakyReLU(),
                nn.Linear(head_channels, out_channels))
        else:
            self.regressor = None
        self._warned_sizes = set()

    def init_weights(self) -> None:
        super().init_weights()
        trunc_normal_(self.pos_embed, std=0.02)

    # ------------------------------------------------------------------
    def _patch_input(self, x: Tensor) -> Tensor:
        """Upsample ``x`` if it gives fewer than ``num_queries + 1``
        tokens (see the class docstring)."""
        h, w = x.shape[-2:]
        p = self.patch_size
        need = self.num_queries + 1
        if (h // p) * (w // p) >= need:
            return x
        scale = 2
        while (h * scale // p) * (w * scale // p) < need:
            scale += 1
        if (h, w) not in self._warned_sizes:
            self._warned_sizes.add((h, w))
            print_log(
                f'MiniViT: a {h}x{w} feature map gives '
                f'{(h // p) * (w // p)} patch tokens, fewer than '
                f'num_queries + 1 = {need}; upsampling it x{scale} for the '
                'patch embedding (inputs this small are far below the '
                'training size).',
                logger='current',
                level=logging.WARNING)
        return F.interpolate(
            x,
            size=(h * scale, w * scale),
            mode='bilinear',
            align_corners=False)

    def _pos_embed(self, grid: Tuple[int, int]) -> Tensor:
        """The positional encoding of a ``grid`` of tokens: ``(1, S, E)``
        (the grid resized, or the first ``S`` rows of the flat table)."""
        pe = self.pos_embed
        if self.pos_embed_type == 'flat':
            num = grid[0] * grid[1]
            if num > pe.shape[0]:
                raise ValueError(
                    f'MiniViT: the input gives a {grid[0]}x{grid[1]} grid '
                    f'of {num} patch tokens, but the flat positional table '
                    f"(pos_embed_type='flat', the released AdaBins layout) "
                    f'has only {pe.shape[0]} rows. Use a smaller input '
                    f'(at most {pe.shape[0]} tokens of {self.patch_size}x'
                    f'{self.patch_size} pixels of the decoded feature), or '
                    "pos_embed_type='grid'.")
            return pe[:num][None]
        if tuple(pe.shape[-2:]) != tuple(grid):
            pe = F.interpolate(
                pe, size=grid, mode='bilinear', align_corners=False)
        return pe.flatten(2).transpose(1, 2)

    def forward(self, x: Tensor) -> Tuple[Optional[Tensor], Tensor]:
        """Bin-width logits and range-attention maps.

        Args:
            x (Tensor): Decoded feature ``(N, in_channels, h, w)``.

        Returns:
            tuple: ``b'`` ``(N, out_channels)`` (``None`` without an MLP
            head) and ``R`` ``(N, num_queries, h, w)``.
        """
        tokens = self.patch_embed(self._patch_input(x))  # N, E, gh, gw
        grid = tuple(tokens.shape[-2:])
        tokens = tokens.flatten(2).transpose(1, 2) + self._pos_embed(grid)
        out = self.encoder(tokens)  # N, S, E
        queries = out[:, 1:self.num_queries + 1]  # N, C, E
        keys = self.conv3x3(x)  # N, E, h, w
        range_attention_maps = torch.einsum('nchw,nqc->nqhw', keys, queries)
        bins = self.regressor(out[:, 0]) if self.regressor is not None \
            else None
        return bins, range_attention_maps
