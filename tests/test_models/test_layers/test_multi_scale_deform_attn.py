import math
import os.path as osp

import pytest
import torch

from depth.models.layers import (MultiScaleDeformableAttention,
                                 multi_scale_deformable_attn)
from depth.registry import MODELS
from depth.testing import load_script

naive_msda = load_script(osp.join(osp.dirname(__file__),
                                  'naive_msda.py')).naive_msda


def _plain(value, shapes, loc, w):
    """The library function unchunked, without recomputation."""
    return multi_scale_deformable_attn(
        value, shapes, loc, w, chunk_numel=None, use_checkpoint=False)


def _inputs(n,
            shapes,
            heads,
            dims,
            queries,
            points,
            seed=0,
            lo=-0.25,
            hi=1.25,
            dtype=torch.float64,
            grad=False):
    g = torch.Generator().manual_seed(seed)
    s = sum(h * w for h, w in shapes)
    value = torch.randn(n, s, heads, dims, generator=g, dtype=dtype)
    loc = torch.rand(
        n, queries, heads, len(shapes), points, 2, generator=g,
        dtype=dtype) * (hi - lo) + lo
    w = torch.rand(
        n, queries, heads, len(shapes), points, generator=g, dtype=dtype)
    w = w / w.sum((-1, -2), keepdim=True)
    if grad:
        for t in (value, loc, w):
            t.requires_grad_(True)
    return value, torch.tensor(shapes), loc, w


@pytest.mark.parametrize('n,shapes,heads,dims,queries,points', [
    (1, [(4, 5)], 1, 3, 7, 1),
    (2, [(6, 8), (3, 4), (2, 2)], 2, 4, 9, 3),
    (1, [(5, 7), (3, 4), (2, 2), (1, 1)], 3, 2, 6, 4),
    (2, [(1, 9), (7, 1)], 2, 3, 5, 2),
])
def test_matches_naive_loops(n, shapes, heads, dims, queries, points):
    value, ss, loc, w = _inputs(n, shapes, heads, dims, queries, points)
    # some locations lie outside [0, 1]: they read zeros
    assert ((loc < 0) | (loc > 1)).any()
    ref = naive_msda(value, ss, loc, w)
    out = _plain(value, ss, loc, w)
    assert out.shape == (n, queries, heads * dims)
    assert (out - ref).abs().max().item() <= 1e-5
    assert torch.allclose(out, ref, atol=1e-12, rtol=0)
    # chunked version, forced into several chunks, with shapes as a list
    out2 = multi_scale_deformable_attn(
        value, shapes, loc, w, chunk_numel=heads * dims * points * 2)
    assert (out2 - ref).abs().max().item() <= 1e-5


def test_hand_computed_value():
    # one 2x2 map, one head, one channel: values 1, 2 / 3, 4
    value = torch.tensor([1., 2., 3., 4.],
                         dtype=torch.float64).view(1, 4, 1, 1)
    # centre of the map -> mean 2.5; pixel (0, 1) centre -> 2;
    # x = 1.0 (right edge), y at row-0 centre: half of pixel 2 -> 1.0
    loc = torch.tensor([[0.5, 0.5], [0.75, 0.25], [1.0, 0.25]],
                       dtype=torch.float64).view(1, 3, 1, 1, 1, 2)
    w = torch.ones(1, 3, 1, 1, 1, dtype=torch.float64)
    out = _plain(value, [(2, 2)], loc, w)
    assert torch.allclose(out.flatten(),
                          torch.tensor([2.5, 2.0, 1.0], dtype=torch.float64))
    assert torch.allclose(
        naive_msda(value, [(2, 2)], loc, w).flatten(), out.flatten())


def test_gradcheck_plain_and_checkpointed():
    value, ss, loc, w = _inputs(
        1, [(3, 4), (2, 2)], 2, 2, 3, 2, seed=1, grad=True)
    assert torch.autograd.gradcheck(
        lambda v, loc_, a: _plain(v, ss, loc_, a), (value, loc, w),
        eps=1e-6,
        atol=1e-5)
    assert torch.autograd.gradcheck(
        lambda v, loc_, a: multi_scale_deformable_attn(
            v, ss, loc_, a, chunk_numel=2 * 2 * 2), (value, loc, w),
        eps=1e-6,
        atol=1e-5)


def test_checkpointed_gradients_match_plain_and_naive():
    shapes = [(5, 6), (3, 3)]
    args = _inputs(2, shapes, 2, 3, 4, 2, seed=3, grad=True)
    value, ss, loc, w = args
    go = torch.randn(2, 4, 6, dtype=torch.float64)
    grads = []
    for fn in (lambda: _plain(value, ss, loc, w),
               lambda: multi_scale_deformable_attn(
                   value, ss, loc, w, chunk_numel=2 * 2 * 3 * 2),
               lambda: naive_msda(value, ss, loc, w)):
        grads.append(torch.autograd.grad(fn(), (value, loc, w), go))
    for g_other in grads[1:]:
        for a, b in zip(grads[0], g_other):
            assert torch.allclose(a, b, atol=1e-10)


def test_bad_inputs():
    value, ss, loc, w = _inputs(1, [(2, 3)], 1, 2, 2, 1)
    with pytest.raises(ValueError, match='spatial_shapes'):
        _plain(value, [(2, 2)], loc, w)
    with pytest.raises(ValueError, match='attention_weights'):
        _plain(value, ss, loc, w[..., :0])


def test_module_init_and_forward():
    torch.manual_seed(0)
    attn = MODELS.build(
        dict(
            type='MultiScaleDeformableAttention',
            embed_dims=16,
            num_heads=4,
            num_levels=2,
            num_points=3,
            dropout=0.))
    # offsets: head h points along angle 2 pi h / 4, at distances 1..3
    bias = attn.sampling_offsets.bias.view(4, 2, 3, 2)
    assert torch.allclose(bias[0, 0, :, 0], torch.tensor([1., 2., 3.]))
    assert torch.allclose(bias[1, 1, 2], torch.tensor([0., 3.]), atol=1e-6)
    assert (attn.sampling_offsets.weight == 0).all()
    assert (attn.attention_weights.weight == 0).all()
    shapes = [(4, 6), (2, 3)]
    s = 4 * 6 + 2 * 3
    value = torch.randn(2, s, 16)
    query = torch.randn(2, 5, 16)
    ref = torch.rand(2, 5, 2, 2)
    out = attn(
        query,
        value=value,
        reference_points=ref,
        spatial_shapes=torch.tensor(shapes))
    assert out.shape == (2, 5, 16)
    attn.chunk_numel = None  # all queries at once: the same numbers
    out_plain = attn(
        query, value=value, reference_points=ref, spatial_shapes=shapes)
    assert torch.allclose(out, out_plain, atol=1e-6)
    # sequence-first layout gives the same numbers
    attn.batch_first = False
    out_sf = attn(
        query.transpose(0, 1),
        value=value.transpose(0, 1),
        reference_points=ref,
        spatial_shapes=shapes)
    assert torch.allclose(out_sf.transpose(0, 1), out_plain, atol=1e-6)
    attn.batch_first = True
    # masking every value leaves the identity
    mask = torch.ones(2, s, dtype=torch.bool)
    out_m = attn(
        query,
        value=value,
        reference_points=ref,
        spatial_shapes=shapes,
        key_padding_mask=mask)
    assert torch.allclose(out_m, query + attn.output_proj.bias, atol=1e-6)
    # 4-d (box) reference points
    box = torch.cat([ref, torch.full_like(ref, 0.5)], -1)
    assert attn(
        query, value=value, reference_points=box,
        spatial_shapes=shapes).shape == (2, 5, 16)
    with pytest.raises(ValueError, match='levels'):
        attn(query, value=value, reference_points=ref, spatial_shapes=[(4, 6)])


def test_module_backward_and_autocast():
    attn = MultiScaleDeformableAttention(
        embed_dims=8, num_heads=2, num_levels=1, num_points=2)
    query = torch.randn(1, 12, 8, requires_grad=True)
    ref = torch.rand(1, 12, 1, 2)
    out = attn(query, reference_points=ref, spatial_shapes=[(3, 4)])
    out.sum().backward()
    assert query.grad is not None and torch.isfinite(query.grad).all()
    assert attn.sampling_offsets.weight.grad.abs().sum() > 0
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = attn(query, reference_points=ref, spatial_shapes=[(3, 4)])
    assert torch.isfinite(out.float()).all()


def test_offset_normalisation_in_pixels():
    # zero weights/bias except a +1 pixel x-offset: each query reads the
    # pixel to the right of its reference point
    attn = MultiScaleDeformableAttention(
        embed_dims=2, num_heads=1, num_levels=1, num_points=1, dropout=0.)
    with torch.no_grad():
        attn.sampling_offsets.bias.copy_(torch.tensor([1., 0.]))
        attn.value_proj.weight.copy_(torch.eye(2))
        attn.output_proj.weight.copy_(torch.eye(2))
    h, w = 2, 3
    value = torch.arange(h * w * 2, dtype=torch.float32).view(1, h * w, 2)
    ref = torch.tensor([[(0.5 / w, 0.5 / h)]]).view(1, 1, 1, 2)
    query = torch.zeros(1, 1, 2)
    out = attn(
        query, value=value, reference_points=ref, spatial_shapes=[(h, w)])
    assert torch.allclose(out.flatten(), value[0, 1])
    assert math.isclose(out.sum().item(), 2. + 3.)
