"""Naive multi-scale deformable attention: explicit loops, one point at a time.

The reference for ``depth.models.layers.multi_scale_deform_attn`` (tests and
``tools/analysis_tools/benchmark_msda.py``). Deliberately written from the
definition, not from ``grid_sample``: a location ``(x, y)`` in ``[0, 1]`` of
a ``H x W`` map is the continuous pixel position ``(x W - 0.5, y H - 0.5)``
(pixel ``j`` has its centre at ``j``), bilinear between the four
surrounding pixels, zero outside the map. Differentiable through autograd.
Not part of the library.
"""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor


def naive_msda(value: Tensor,
               spatial_shapes,
               sampling_locations: Tensor,
               attention_weights: Tensor,
               query_indices: Optional[Sequence[int]] = None) -> Tensor:
    """Loops over batch, queries, heads, levels, points and the 4 corners.

    Args:
        value: ``(N, S, heads, D)``.
        spatial_shapes: ``(L, 2)`` of ``(H, W)``.
        sampling_locations: ``(N, Q, heads, L, P, 2)`` normalised (x, y).
        attention_weights: ``(N, Q, heads, L, P)``.
        query_indices: compute only these queries (for timing subsets).

    Returns:
        ``(N, len(query_indices) or Q, heads * D)``.
    """
    if isinstance(spatial_shapes, Tensor):
        spatial_shapes = spatial_shapes.tolist()
    shapes = [(int(h), int(w)) for h, w in spatial_shapes]
    starts = [0]
    for h, w in shapes[:-1]:
        starts.append(starts[-1] + h * w)
    n_batch, _, n_heads, dims = value.shape
    _, n_query, _, n_levels, n_points, _ = sampling_locations.shape
    if query_indices is None:
        query_indices = range(n_query)
    # per (batch, head, level) value map, (H_l * W_l, D), sliced once
    maps = [[[
        value[b, starts[lv]:starts[lv] + h * w, hd]
        for lv, (h, w) in enumerate(shapes)
    ] for hd in range(n_heads)] for b in range(n_batch)]
    batch_out = []
    for b in range(n_batch):
        query_out = []
        for q in query_indices:
            head_out = []
            for hd in range(n_heads):
                acc = value.new_zeros(dims)
                for lv in range(n_levels):
                    hl, wl = shapes[lv]
                    vmap = maps[b][hd][lv]
                    for p in range(n_points):
                        loc = sampling_locations[b, q, hd, lv, p]
                        px = loc[0] * wl - 0.5
                        py = loc[1] * hl - 0.5
                        x0 = math.floor(px.item())
                        y0 = math.floor(py.item())
                        fx = px - x0
                        fy = py - y0
                        a = attention_weights[b, q, hd, lv, p]
                        corners = ((y0, x0, (1 - fy) * (1 - fx)),
                                   (y0, x0 + 1, (1 - fy) * fx),
                                   (y0 + 1, x0,
                                    fy * (1 - fx)), (y0 + 1, x0 + 1, fy * fx))
                        for yy, xx, wgt in corners:
                            if 0 <= yy < hl and 0 <= xx < wl:
                                acc = acc + a * wgt * vmap[yy * wl + xx]
                head_out.append(acc)
            query_out.append(torch.cat(head_out))
        batch_out.append(torch.stack(query_out))
    return torch.stack(batch_out)
