"""Swin Transformer building blocks and checkpoint conversion (private).

Used by :class:`depth.models.backbones.DepthFormerSwin`. Parameter names
follow the official Swin release (``patch_embed.proj``,
``layers.{i}.blocks.{j}.attn.qkv``, ``layers.{i}.downsample.reduction``,
...), so official ImageNet checkpoints load without renaming.

Arbitrary input sizes: like the detection/segmentation Swin, every block pads
its (normalised) input on the bottom/right to a multiple of the window size,
then applies the cyclic shift, so windows always have the configured size
(7) and shifted blocks always shift (the classification model instead
shrinks the window when the map is smaller than it). The zero padding tokens
take part in the attention as in the original, and are cropped afterwards.
"""
import re
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from torch import Tensor


def drop_path(x: Tensor, drop_prob: float, training: bool) -> Tensor:
    """Stochastic depth per sample (residual branch dropped with
    ``drop_prob``, kept ones scaled by ``1 / (1 - drop_prob)``)."""
    if drop_prob == 0. or not training:
        return x
    keep = 1 - drop_prob
    shape = (x.shape[0], ) + (1, ) * (x.dim() - 1)
    mask = x.new_empty(shape).bernoulli_(keep)
    return x * mask / keep


class DropPath(nn.Module):
    """Module wrapper of :func:`drop_path`."""

    def __init__(self, drop_prob: float = 0.) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: Tensor) -> Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f'drop_prob={self.drop_prob:.3f}'


def relative_position_index(window_size: int) -> Tensor:
    """``(N, N)`` index into the ``(2w - 1)^2`` bias table, ``N = w * w``:
    ``(dy + w - 1) * (2w - 1) + (dx + w - 1)`` for the offset between the
    two tokens' row/column positions in the window."""
    coords = torch.stack(
        torch.meshgrid(
            torch.arange(window_size),
            torch.arange(window_size),
            indexing='ij')).flatten(1)  # 2, N
    rel = coords[:, :, None] - coords[:, None, :]  # 2, N, N
    rel = rel + window_size - 1
    return rel[0] * (2 * window_size - 1) + rel[1]


def window_partition(x: Tensor, ws: int) -> Tensor:
    """``(B, H, W, C)`` -> ``(B * nW, ws * ws, C)`` (H, W multiples of ws)."""
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, ws * ws, c)


def window_reverse(windows: Tensor, ws: int, h: int, w: int) -> Tensor:
    """Inverse of :func:`window_partition`: -> ``(B, H, W, C)``."""
    c = windows.shape[-1]
    b = windows.shape[0] // ((h // ws) * (w // ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, c)


def shifted_window_mask(hp: int, wp: int, ws: int, shift: int,
                        device: torch.device) -> Tensor:
    """Attention mask of shifted windows on a padded ``hp x wp`` map.

    Tokens coming from different regions of the cyclically shifted map must
    not attend to each other: ``(nW, ws*ws, ws*ws)`` with 0 (same region)
    or -100 (different), as in the original Swin.
    """
    img = torch.zeros((1, hp, wp, 1), device=device)
    cnt = 0
    bounds = (slice(0, -ws), slice(-ws, -shift), slice(-shift, None))
    for hs in bounds:
        for wsl in bounds:
            img[:, hs, wsl, :] = cnt
            cnt += 1
    win = window_partition(img, ws).squeeze(-1)  # nW, N
    mask = win[:, None, :] - win[:, :, None]
    return mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)


class WindowMSA(nn.Module):
    """Window multi-head self-attention with relative position bias.

    Args:
        dim (int): Channels.
        num_heads (int): Heads.
        window_size (int): Window side.
        qkv_bias (bool): Bias in the qkv projection.
        qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        attn_drop (float): Dropout on the attention probabilities.
        proj_drop (float): Dropout after the output projection.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 window_size: int,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        if dim % num_heads != 0:
            raise ValueError(f'Swin: channels {dim} not divisible by '
                             f'{num_heads} heads')
        self.dim = dim
        self.num_heads = num_heads
        self.window_size = window_size
        self.scale = qk_scale or (dim // num_heads)**-0.5
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size - 1)**2, num_heads))
        self.register_buffer(
            'relative_position_index',
            relative_position_index(window_size),
            persistent=False)
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.attn_drop = attn_drop
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """``x (B * nW, N, C)``, ``mask (nW, N, N)`` or None."""
        bw, n, c = x.shape
        nh = self.num_heads
        qkv = self.qkv(x).view(bw, n, 3, nh, c // nh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)  # (B * nW, heads, N, d)
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(n, n, nh).permute(
                2, 0, 1)  # heads, N, N
        if mask is None:
            attn_mask = bias.unsqueeze(0)
        else:
            nw = mask.shape[0]
            attn_mask = (bias.unsqueeze(0) + mask.unsqueeze(1)).unsqueeze(0)
            attn_mask = attn_mask.expand(bw // nw, -1, -1, -1,
                                         -1).reshape(bw, nh, n, n)
        x = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=attn_mask.to(q.dtype),
            dropout_p=self.attn_drop if self.training else 0.,
            scale=self.scale)
        x = x.transpose(1, 2).reshape(bw, n, c)
        return self.proj_drop(self.proj(x))


class Mlp(nn.Module):
    """``fc1 -> GELU -> drop -> fc2 -> drop``."""

    def __init__(self, dim: int, hidden: int, drop: float = 0.) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: Tensor) -> Tensor:
        return self.drop(self.fc2(self.drop(self.act(self.fc1(x)))))


class SwinBlock(nn.Module):
    """(Shifted) window attention + MLP, pre-norm residual.

    Args:
        dim (int): Channels.
        num_heads (int): Heads.
        window_size (int): Window side.
        shift (bool): Shift the windows by ``window_size // 2``.
        mlp_ratio (float): MLP hidden width / dim.
        qkv_bias, qk_scale: See :class:`WindowMSA`.
        drop (float): Dropout after projections.
        attn_drop (float): Attention dropout.
        drop_path (float): Stochastic depth of both residual branches.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 window_size: int = 7,
                 shift: bool = False,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 drop: float = 0.,
                 attn_drop: float = 0.,
                 drop_path: float = 0.) -> None:
        super().__init__()
        self.window_size = window_size
        self.shift_size = window_size // 2 if shift else 0
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowMSA(dim, num_heads, window_size, qkv_bias, qk_scale,
                              attn_drop, drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio), drop)

    def _attention(self, x: Tensor, mask: Optional[Tensor]) -> Tensor:
        b, h, w, c = x.shape
        ws = self.window_size
        pad_b = (ws - h % ws) % ws
        pad_r = (ws - w % ws) % ws
        if pad_b or pad_r:
            x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
        hp, wp = h + pad_b, w + pad_r
        if self.shift_size:
            x = torch.roll(
                x, shifts=(-self.shift_size, -self.shift_size), dims=(1, 2))
        else:
            mask = None
        x = window_reverse(
            self.attn(window_partition(x, ws), mask=mask), ws, hp, wp)
        if self.shift_size:
            x = torch.roll(
                x, shifts=(self.shift_size, self.shift_size), dims=(1, 2))
        if pad_b or pad_r:
            x = x[:, :h, :w, :]
        return x

    def forward(self, x: Tensor, mask: Optional[Tensor] = None) -> Tensor:
        """``x (B, H, W, C)``; ``mask`` from :func:`shifted_window_mask` of
        the padded size (used only when shifting)."""
        x = x + self.drop_path(self._attention(self.norm1(x), mask))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 neighbourhood -> ``LayerNorm(4C)`` -> ``Linear(4C, 2C)``.

    The four pixels are concatenated in the official order
    ``[(0, 0), (1, 0), (0, 1), (1, 1)]`` ((row, col) offsets). Odd sizes are
    zero padded on the bottom/right.
    """

    def __init__(self, dim: int, out_dim: Optional[int] = None) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, out_dim or 2 * dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        """``(B, H, W, C)`` -> ``(B, ceil(H/2), ceil(W/2), 2C)``."""
        h, w = x.shape[1:3]
        if h % 2 or w % 2:
            x = F.pad(x, (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([
            x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2,
                                                                    1::2]
        ], -1)
        return self.reduction(self.norm(x))


class PatchEmbed(nn.Module):
    """Non-overlapping ``patch x patch`` conv embedding (+ LayerNorm).

    Pads the image on the bottom/right to a multiple of the patch size.
    Returns channels-last ``(B, H/p, W/p, C)``.
    """

    def __init__(self,
                 in_channels: int,
                 embed_dims: int,
                 patch_size: int,
                 norm: bool = True) -> None:
        super().__init__()
        self.patch_size = patch_size
        self.proj = nn.Conv2d(in_channels, embed_dims, patch_size, patch_size)
        self.norm = nn.LayerNorm(embed_dims) if norm else None

    def forward(self, x: Tensor) -> Tensor:
        p = self.patch_size
        h, w = x.shape[-2:]
        if h % p or w % p:
            x = F.pad(x, (0, (p - w % p) % p, 0, (p - h % p) % p))
        x = self.proj(x).permute(0, 2, 3, 1)
        return self.norm(x) if self.norm is not None else x


class SwinStage(nn.Module):
    """Blocks (alternating regular / shifted windows), then the optional
    patch merging (official layout: stage ``i`` ends with the merging that
    feeds stage ``i + 1``).

    Args:
        dim (int): Channels.
        depth (int): Blocks.
        num_heads (int): Heads.
        window_size (int): Window side.
        drop_paths (list[float]): Stochastic depth per block.
        downsample (bool): End with :class:`PatchMerging`.
        with_cp (bool): Gradient checkpointing of each block.
        **block_kwargs: See :class:`SwinBlock`.
    """

    def __init__(self,
                 dim: int,
                 depth: int,
                 num_heads: int,
                 window_size: int,
                 drop_paths: List[float],
                 downsample: bool,
                 with_cp: bool = False,
                 **block_kwargs) -> None:
        super().__init__()
        self.window_size = window_size
        self.with_cp = with_cp
        self.blocks = nn.ModuleList([
            SwinBlock(
                dim,
                num_heads,
                window_size,
                shift=i % 2 == 1,
                drop_path=drop_paths[i],
                **block_kwargs) for i in range(depth)
        ])
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """``x (B, H, W, C)`` -> (input of the next stage, this stage's
        output before merging)."""
        ws = self.window_size
        h, w = x.shape[1:3]
        mask = None
        if len(self.blocks) > 1:
            # ceil without negative floor division: exported to ONNX,
            # -(-h // ws) truncates towards zero and gives floor
            hp, wp = (h + ws - 1) // ws * ws, (w + ws - 1) // ws * ws
            mask = shifted_window_mask(hp, wp, ws, ws // 2, x.device)
        for block in self.blocks:
            if self.with_cp and x.requires_grad:
                x = cp.checkpoint(block, x, mask, use_reentrant=False)
            else:
                x = block(x, mask)
        out = x
        if self.downsample is not None:
            x = self.downsample(x)
        return x, out


def resize_rel_pos_bias_table(table: Tensor, new_len: int) -> Tensor:
    """Bicubic resize of a ``((2w - 1)^2, heads)`` bias table to
    ``(new_len, heads)`` (square windows)."""
    old_side = int(round(table.shape[0]**0.5))
    new_side = int(round(new_len**0.5))
    if old_side**2 != table.shape[0] or new_side**2 != new_len:
        raise ValueError('relative_position_bias_table of non-square windows '
                         f'cannot be resized: {tuple(table.shape)} -> '
                         f'{new_len}')
    heads = table.shape[1]
    grid = table.float().permute(1, 0).reshape(1, heads, old_side, old_side)
    grid = F.interpolate(
        grid, size=(new_side, new_side), mode='bicubic', align_corners=False)
    return grid.view(heads, new_len).permute(1, 0).contiguous().to(table.dtype)


def unfold_merging_to_official(t: Tensor) -> Tensor:
    """mmseg's PatchMerging (``nn.Unfold``) orders the 4C inputs as
    ``c * 4 + (2 * row + col)``; official as ``k * C + c`` with ``k`` over
    ``[(0, 0), (1, 0), (0, 1), (1, 1)]``."""
    if t.dim() == 2:
        out_ch, in_ch = t.shape
        t = t.reshape(out_ch, in_ch // 4, 4).transpose(1, 2)
        return t[:, [0, 2, 1, 3], :].reshape(out_ch, in_ch)
    t = t.reshape(t.shape[0] // 4, 4).transpose(0, 1)
    return t[[0, 2, 1, 3], :].reshape(-1)


def swin_key_layout(state_dict: Dict[str, Tensor]) -> str:
    """Which Swin key layout a state dict has: ``'official'`` (Microsoft
    release: merging at the end of ``layers.i``), ``'timm'`` (timm >= 0.9:
    merging at the start of ``layers.i``), ``'mmseg'`` (``stages.i``,
    ``w_msa``, ``ffn``) or ``'unknown'``."""
    keys = list(state_dict)
    if any(k.startswith('stages.') for k in keys) or \
            'patch_embed.projection.weight' in state_dict:
        return 'mmseg'
    downs = sorted({
        int(m.group(1))
        for k in keys
        for m in [re.match(r'layers\.(\d+)\.downsample\.', k)] if m
    })
    if not any(k.startswith('layers.') for k in keys):
        return 'unknown'
    if downs and downs[0] == 0:
        return 'official'
    if downs:
        return 'timm'
    return 'official'


def convert_swin_state_dict(
        state_dict: Dict[str, Tensor]) -> Tuple[Dict[str, Tensor], str]:
    """Convert a Swin state dict of any supported layout to the official
    key layout used by our modules. Drops the non-persistent buffers
    (``relative_position_index``, ``attn_mask``).

    Returns:
        (converted state dict, detected layout name)
    """
    layout = swin_key_layout(state_dict)
    out = {}
    for key, val in state_dict.items():
        if key.endswith('relative_position_index') or \
                key.endswith('attn_mask'):
            continue
        if layout == 'timm':
            key = re.sub(r'^layers\.(\d+)\.downsample',
                         lambda m: f'layers.{int(m.group(1)) - 1}.downsample',
                         key)
            key = key.replace('head.fc.', 'head.')
        elif layout == 'mmseg':
            key = key.replace('patch_embed.projection', 'patch_embed.proj')
            key = re.sub(r'^stages\.', 'layers.', key)
            key = key.replace('attn.w_msa.', 'attn.')
            key = key.replace('ffn.layers.0.0.', 'mlp.fc1.')
            key = key.replace('ffn.layers.1.', 'mlp.fc2.')
            if '.downsample.' in key:
                val = unfold_merging_to_official(val)
        out[key] = val
    return out, layout
