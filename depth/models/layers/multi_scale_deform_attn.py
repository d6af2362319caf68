"""Multi-scale deformable attention (Deformable DETR) in pure PyTorch.

No compiled op: sampling is done with :func:`torch.nn.functional.grid_sample`
(bilinear, ``align_corners=False``, zero padding), vectorised over batch,
heads, queries and points, with a Python loop over the (few) feature levels
only. :func:`multi_scale_deformable_attn` additionally processes the queries
in chunks and recomputes the sampled values in the backward pass
(activation checkpointing), so training does not keep the
``(N * heads, head_dims, queries, points)`` tensor of every level alive.
"""
import math
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from depth.registry import MODELS

ShapesType = Union[Tensor, Sequence[Sequence[int]]]

# Elements of one grid_sample output chunk (N * heads * head_dims * queries
# * points); 2**25 float32 elements are 128 MiB.
DEFAULT_CHUNK_NUMEL = 2**25


def _shape_list(spatial_shapes: ShapesType) -> List[Tuple[int, int]]:
    """``(L, 2)`` tensor or sequence of ``(H, W)`` -> list of int pairs."""
    if isinstance(spatial_shapes, Tensor):
        spatial_shapes = spatial_shapes.tolist()
    shapes = [(int(h), int(w)) for h, w in spatial_shapes]
    if any(h <= 0 or w <= 0 for h, w in shapes):
        raise ValueError(f'spatial_shapes must be positive, got {shapes}')
    return shapes


def _check_inputs(value: Tensor, shapes: List[Tuple[int, int]],
                  sampling_locations: Tensor,
                  attention_weights: Tensor) -> None:
    if value.dim() != 4:
        raise ValueError('value must be (N, num_value, num_heads, head_dims), '
                         f'got shape {tuple(value.shape)}')
    if sampling_locations.dim() != 6 or sampling_locations.shape[-1] != 2:
        raise ValueError(
            'sampling_locations must be (N, num_query, num_heads, '
            'num_levels, num_points, 2), got shape '
            f'{tuple(sampling_locations.shape)}')
    n, num_value, num_heads, _ = value.shape
    n2, num_query, num_heads2, num_levels, num_points, _ = \
        sampling_locations.shape
    if sum(h * w for h, w in shapes) != num_value:
        raise ValueError(
            f'spatial_shapes {shapes} give {sum(h * w for h, w in shapes)} '
            f'values, but value has {num_value}')
    if num_levels != len(shapes):
        raise ValueError(f'sampling_locations has {num_levels} levels, '
                         f'spatial_shapes has {len(shapes)}')
    if (n2, num_heads2) != (n, num_heads):
        raise ValueError('value and sampling_locations disagree on batch or '
                         f'heads: {tuple(value.shape)} vs '
                         f'{tuple(sampling_locations.shape)}')
    expected = (n, num_query, num_heads, num_levels, num_points)
    if tuple(attention_weights.shape) != expected:
        raise ValueError(f'attention_weights must have shape {expected}, got '
                         f'{tuple(attention_weights.shape)}')


def _chunk_queries(num_query: int, per_query_numel: int,
                   chunk_numel: int) -> List[Tuple[int, int]]:
    step = max(1, chunk_numel // max(1, per_query_numel))
    return [(s, min(s + step, num_query)) for s in range(0, num_query, step)]


def _to_maps(value: Tensor, shapes: List[Tuple[int, int]]) -> List[Tensor]:
    """``(N, S, heads, D)`` -> per level ``(N * heads, D, H_l, W_l)``."""
    n, _, num_heads, head_dims = value.shape
    return [
        v.permute(0, 2, 3, 1).reshape(n * num_heads, head_dims, h, w)
        for v, (
            h,
            w) in zip(value.split([h * w for h, w in shapes], dim=1), shapes)
    ]


def _msda_core(maps: List[Tensor], grids: Tensor, weights: Tensor) -> Tensor:
    """Sample and weight.

    Args:
        maps: per level ``(N * heads, D, H_l, W_l)``.
        grids: ``(N * heads, Q, L, P, 2)`` in grid_sample's ``[-1, 1]``.
        weights: ``(N * heads, Q, L, P)``.

    Returns:
        ``(N * heads, D, Q)``.
    """
    out = None
    for level, value_l in enumerate(maps):
        # (N * heads, D, Q, P)
        sampled = F.grid_sample(
            value_l,
            grids[:, :, level],
            mode='bilinear',
            padding_mode='zeros',
            align_corners=False)
        out_l = (sampled * weights[:, None, :, level]).sum(-1)
        out = out_l if out is None else out + out_l
    return out


def _flatten_heads(sampling_locations: Tensor,
                   attention_weights: Tensor) -> Tuple[Tensor, Tensor]:
    """-> grids ``(N * heads, Q, L, P, 2)`` in ``[-1, 1]`` and weights
    ``(N * heads, Q, L, P)``."""
    n, q, num_heads, levels, points, _ = sampling_locations.shape
    grids = (2 * sampling_locations - 1).transpose(1, 2).reshape(
        n * num_heads, q, levels, points, 2)
    weights = attention_weights.transpose(1,
                                          2).reshape(n * num_heads, q, levels,
                                                     points)
    return grids, weights


def _finish(out: Tensor, n: int) -> Tensor:
    """``(N * heads, D, Q)`` -> ``(N, Q, heads * D)``."""
    nh, d, q = out.shape
    return out.view(n, nh // n * d, q).transpose(1, 2).contiguous()


def multi_scale_deformable_attn(value: Tensor,
                                spatial_shapes: ShapesType,
                                sampling_locations: Tensor,
                                attention_weights: Tensor,
                                chunk_numel: Optional[int] = (
                                    DEFAULT_CHUNK_NUMEL),
                                use_checkpoint: bool = True) -> Tensor:
    """Weighted sum of bilinearly sampled multi-level values, memory-bounded.

    For every query ``q`` and head ``h``::

        out[q, h] = sum_{l, p} A[q, h, l, p] *
                    bilinear(V_l[h], loc[q, h, l, p])

    where ``bilinear`` samples the level-``l`` value map at the normalised
    location ``(x, y)`` in ``[0, 1]`` (0 and 1 are the outer edges of the
    first and last pixels, pixel ``i`` has its centre at ``(i + 0.5) / W``)
    and reads zeros outside the map (``grid_sample``, zero padding).

    The queries are processed in chunks so that the sampled values of one
    chunk (all levels and points) have at most ``chunk_numel`` elements;
    when autograd is recording and ``use_checkpoint`` is True, each chunk is
    checkpointed, so only the inputs are kept for the backward pass and the
    sampling is recomputed there, one chunk at a time (as the compiled CUDA
    kernels of Deformable DETR recompute the bilinear weights instead of
    storing samples). ``chunk_numel=None, use_checkpoint=False`` is the
    plain computation, all queries at once. Chunking changes neither the
    output nor the gradients. The computation runs in float32 (or float64)
    even under autocast.

    Args:
        value (Tensor): ``(N, num_value, num_heads, head_dims)``, the
            flattened levels concatenated, ``num_value = sum_l H_l * W_l``.
        spatial_shapes (Tensor | Sequence): ``(num_levels, 2)`` ``(H, W)``
            of each level.
        sampling_locations (Tensor): ``(N, num_query, num_heads, num_levels,
            num_points, 2)`` normalised ``(x, y)`` locations.
        attention_weights (Tensor): ``(N, num_query, num_heads, num_levels,
            num_points)``.
        chunk_numel (int, optional): Budget of sampled elements per chunk.
            None processes all queries at once.
        use_checkpoint (bool): Recompute in backward. Defaults to True.

    Returns:
        Tensor: ``(N, num_query, num_heads * head_dims)`` in ``value``'s
        dtype.
    """
    shapes = _shape_list(spatial_shapes)
    _check_inputs(value, shapes, sampling_locations, attention_weights)
    out_dtype = value.dtype
    compute_dtype = torch.float64 if value.dtype == torch.float64 \
        else torch.float32
    n, _, num_heads, head_dims = value.shape
    num_query, num_levels, num_points = sampling_locations.shape[1], \
        sampling_locations.shape[3], sampling_locations.shape[4]
    if chunk_numel is None:
        chunks = [(0, num_query)]
    else:
        chunks = _chunk_queries(
            num_query, n * num_heads * head_dims * num_levels * num_points,
            chunk_numel)
    needs_grad = torch.is_grad_enabled() and any(
        t.requires_grad
        for t in (value, sampling_locations, attention_weights))
    with torch.autocast(device_type=value.device.type, enabled=False):
        maps = _to_maps(value.to(compute_dtype), shapes)
        grids, weights = _flatten_heads(
            sampling_locations.to(compute_dtype),
            attention_weights.to(compute_dtype))
        outs = []
        for start, end in chunks:
            args = (maps, grids[:, start:end], weights[:, start:end])
            if needs_grad and use_checkpoint:
                outs.append(checkpoint(_msda_core, *args, use_reentrant=False))
            else:
                outs.append(_msda_core(*args))
        out = outs[0] if len(outs) == 1 else torch.cat(outs, dim=2)
    return _finish(out, n).to(out_dtype)


@MODELS.register_module()
class MultiScaleDeformableAttention(BaseModule):
    """Multi-scale deformable attention (Deformable DETR, Zhu et al. 2021).

    Each query predicts, per head, level and point, a sampling offset from
    its reference point and an attention weight (softmax over levels x
    points); the output is the weighted sum of the value sampled there,
    projected by ``output_proj``, plus the identity (residual)::

        out = identity + dropout(output_proj(MSDA(value_proj(value), ...)))

    Parameterisation and initialisation follow Deformable DETR (and mmcv's
    layer of the same name, so its checkpoints load): ``sampling_offsets``
    zero weights with the bias placing the points of head ``h`` on a ring in
    direction ``2 pi h / heads`` at distances ``1..num_points``,
    ``attention_weights`` all zero, ``value_proj`` / ``output_proj`` xavier
    uniform with zero bias.

    Args:
        embed_dims (int): Query and value width. Defaults to 256.
        num_heads (int): Attention heads. Defaults to 8.
        num_levels (int): Feature levels of the value. Defaults to 4.
        num_points (int): Sampling points per head and level. Defaults to 4.
        dropout (float): Dropout on the output before the residual.
            Defaults to 0.1.
        batch_first (bool): Inputs are ``(N, L, C)`` (True) or ``(L, N, C)``.
            Defaults to True.
        chunk_numel (int): Element budget per chunk, see
            :func:`multi_scale_deformable_attn`.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 embed_dims: int = 256,
                 num_heads: int = 8,
                 num_levels: int = 4,
                 num_points: int = 4,
                 dropout: float = 0.1,
                 batch_first: bool = True,
                 chunk_numel: int = DEFAULT_CHUNK_NUMEL,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims % num_heads != 0:
            raise ValueError(f'embed_dims ({embed_dims}) must be divisible by '
                             f'num_heads ({num_heads})')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.num_levels = num_levels
        self.num_points = num_points
        self.batch_first = batch_first
        self.chunk_numel = chunk_numel
        self.sampling_offsets = nn.Linear(
            embed_dims, num_heads * num_levels * num_points * 2)
        self.attention_weights = nn.Linear(embed_dims,
                                           num_heads * num_levels * num_points)
        self.value_proj = nn.Linear(embed_dims, embed_dims)
        self.output_proj = nn.Linear(embed_dims, embed_dims)
        self.dropout = nn.Dropout(dropout)
        self.init_weights()

    def init_weights(self) -> None:
        """Deformable-DETR initialisation (see the class docstring)."""
        nn.init.constant_(self.sampling_offsets.weight, 0.)
        thetas = torch.arange(
            self.num_heads,
            dtype=torch.float32) * (2.0 * math.pi / self.num_heads)
        grid = torch.stack([thetas.cos(), thetas.sin()], -1)
        grid = grid / grid.abs().max(-1, keepdim=True)[0]
        grid = grid.view(self.num_heads, 1, 1,
                         2).repeat(1, self.num_levels, self.num_points, 1)
        grid = grid * torch.arange(
            1, self.num_points + 1, dtype=torch.float32).view(1, 1, -1, 1)
        with torch.no_grad():
            self.sampling_offsets.bias.copy_(grid.view(-1))
        nn.init.constant_(self.attention_weights.weight, 0.)
        nn.init.constant_(self.attention_weights.bias, 0.)
        for layer in (self.value_proj, self.output_proj):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.constant_(layer.bias, 0.)
        self._is_init = True

    def forward(self,
                query: Tensor,
                value: Optional[Tensor] = None,
                identity: Optional[Tensor] = None,
                query_pos: Optional[Tensor] = None,
                key_padding_mask: Optional[Tensor] = None,
                reference_points: Optional[Tensor] = None,
                spatial_shapes: Optional[ShapesType] = None,
                level_start_index: Optional[Tensor] = None,
                **kwargs) -> Tensor:
        """Attend from ``query`` to the multi-level ``value``.

        Args:
            query (Tensor): ``(N, num_query, C)`` (batch first).
            value (Tensor, optional): ``(N, num_value, C)``; defaults to
                ``query`` (self-attention).
            identity (Tensor, optional): Residual; defaults to ``query``.
            query_pos (Tensor, optional): Added to ``query`` for predicting
                offsets and weights (not to the value or identity).
            key_padding_mask (Tensor, optional): ``(N, num_value)`` bool,
                True where the value is padding (zeroed).
            reference_points (Tensor): ``(N, num_query, num_levels, 2)``
                normalised ``(x, y)`` in ``[0, 1]``, or ``(..., 4)`` boxes
                ``(cx, cy, w, h)`` whose size scales the offsets.
            spatial_shapes (Tensor | Sequence): ``(num_levels, 2)``.
            level_start_index (Tensor, optional): Unused (derived from
                ``spatial_shapes``); accepted for API compatibility.

        Returns:
            Tensor: Same layout as ``query``.
        """
        if value is None:
            value = query
        if identity is None:
            identity = query
        if query_pos is not None:
            query = query + query_pos
        if not self.batch_first:
            query = query.transpose(0, 1)
            value = value.transpose(0, 1)
        if reference_points is None or spatial_shapes is None:
            raise ValueError('MultiScaleDeformableAttention needs '
                             'reference_points and spatial_shapes')
        shapes = _shape_list(spatial_shapes)
        if len(shapes) != self.num_levels:
            raise ValueError(f'spatial_shapes has {len(shapes)} levels, the '
                             f'layer was built for {self.num_levels}')
        n, num_query, _ = query.shape
        num_value = value.shape[1]
        if sum(h * w for h, w in shapes) != num_value:
            raise ValueError(
                f'spatial_shapes {shapes} give '
                f'{sum(h * w for h, w in shapes)} values, value has '
                f'{num_value}')

        value = self.value_proj(value)
        if key_padding_mask is not None:
            value = value.masked_fill(key_padding_mask[..., None], 0.0)
        value = value.view(n, num_value, self.num_heads, -1)
        offsets = self.sampling_offsets(query).view(n, num_query,
                                                    self.num_heads,
                                                    self.num_levels,
                                                    self.num_points, 2)
        weights = self.attention_weights(query).view(
            n, num_query, self.num_heads, self.num_levels * self.num_points)
        weights = weights.softmax(-1).view(n, num_query, self.num_heads,
                                           self.num_levels, self.num_points)
        if reference_points.shape[-1] == 2:
            # offsets are in pixels of each level: normalise by (W, H).
            normalizer = torch.tensor([[w, h] for h, w in shapes],
                                      dtype=offsets.dtype,
                                      device=offsets.device)
            locations = reference_points[:, :, None, :, None, :] + \
                offsets / normalizer[None, None, None, :, None, :]
        elif reference_points.shape[-1] == 4:
            locations = reference_points[:, :, None, :, None, :2] + \
                offsets / self.num_points * \
                reference_points[:, :, None, :, None, 2:] * 0.5
        else:
            raise ValueError('reference_points must end in 2 or 4, got shape '
                             f'{tuple(reference_points.shape)}')
        out = multi_scale_deformable_attn(value, shapes, locations, weights,
                                          self.chunk_numel)
        out = self.output_proj(out)
        if not self.batch_first:
            out = out.transpose(0, 1)
        return self.dropout(out) + identity
