import pytest
import torch

from depth.models.layers import MultiScaleDeformableAttention
from depth.models.necks import HAHIHeteroNeck
from depth.registry import MODELS

CH = [8, 8, 16, 16, 32]


def _neck(**kwargs):
    cfg = dict(
        type='HAHIHeteroNeck',
        in_channels=CH,
        out_channels=CH,
        embedding_dim=16,
        positional_encoding=dict(type='SinePositionalEncoding', num_feats=8),
        num_heads=2,
        num_points=2)
    cfg.update(kwargs)
    neck = MODELS.build(cfg)
    neck.init_weights()
    return neck


def _feats(n=2, h=64, w=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    strides = [2, 4, 8, 16, 32]
    return [
        torch.randn(n, c, h // s, w // s, generator=g)
        for c, s in zip(CH, strides)
    ]


def test_shapes_and_backward():
    neck = _neck()
    feats = [f.requires_grad_() for f in _feats()]
    outs = neck(feats)
    assert len(outs) == 5
    for o, f in zip(outs, feats):
        assert o.shape == f.shape
    sum(o.mean() for o in outs).backward()
    no_grad = [n for n, p in neck.named_parameters() if p.grad is None]
    assert not no_grad, no_grad
    assert all(f.grad is not None for f in feats)


def test_init():
    neck = _neck()
    assert neck.level_embed.shape == (4, 16)
    assert neck.level_embed.std() > 0.3  # normal(0, 1)
    assert (neck.reference_points.bias == 0).all()
    for attn in (neck.self_attn, neck.cross_attn):
        assert isinstance(attn, MultiScaleDeformableAttention)
        assert attn.num_levels == 4 and attn.num_points == 2
        assert (attn.attention_weights.weight == 0).all()
        assert (attn.sampling_offsets.weight == 0).all()
        assert attn.sampling_offsets.bias.abs().max() == 2  # ring radius 2


def test_reference_points():
    ref = HAHIHeteroNeck.pixel_centre_reference_points([(2, 4), (1, 2)],
                                                       torch.device('cpu'))
    assert ref.shape == (1, 10, 2)
    assert torch.allclose(ref[0, 0], torch.tensor([0.125, 0.25]))
    assert torch.allclose(ref[0, 7], torch.tensor([0.875, 0.75]))
    assert torch.allclose(ref[0, 9], torch.tensor([0.75, 0.5]))


def test_switches_cut_the_interactions():
    feats = _feats(n=1)
    changed = [f.clone() for f in feats]
    changed[4] = changed[4] + 1.0  # perturb the coarsest Transformer level
    # without cross-attention the conv output ignores the Transformer levels
    neck = _neck(cross_att=False).eval()
    with torch.no_grad():
        a, b = neck(feats), neck(changed)
    assert torch.allclose(a[0], b[0])
    # without self-attention level 1 ignores level 4
    neck = _neck(self_att=False).eval()
    with torch.no_grad():
        a, b = neck(feats), neck(changed)
    assert torch.allclose(a[1], b[1])
    assert not torch.allclose(a[0], b[0])  # the cross-attention reads it
    # with both, every level sees every other level
    neck = _neck().eval()
    with torch.no_grad():
        a, b = neck(feats), neck(changed)
    assert not torch.allclose(a[1], b[1])


def test_scales_and_validation():
    neck = _neck(scales=[1, 1, 1, 1, 2])
    with torch.no_grad():
        outs = neck(_feats(n=1))
    assert outs[4].shape[-2:] == (4, 6)
    with pytest.raises(ValueError, match='embedding_dim'):
        _neck(
            positional_encoding=dict(
                type='SinePositionalEncoding', num_feats=4))
    with pytest.raises(ValueError, match='same length'):
        _neck(out_channels=CH[:-1])
    with pytest.raises(ValueError, match='levels'):
        _neck()(_feats()[:4])
