import pytest
import torch
import torch.nn.functional as F

from depth.models.layers import BinsTransformerDecoder


def tiny(**kwargs):
    cfg = dict(
        embed_dims=8,
        num_layers=3,
        num_levels=3,
        num_heads=2,
        feedforward_channels=16,
        classify=True,
        num_classes=4)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return BinsTransformerDecoder(**cfg).eval()


def inputs(n=2, q=6, c=8):
    g = torch.Generator().manual_seed(1)
    srcs = [torch.randn(n, s, c, generator=g) for s in (2, 8, 32)]
    pos = [torch.randn(n, s, c, generator=g) for s in (2, 8, 32)]
    return (torch.randn(n, q, c,
                        generator=g), torch.randn(n, q, c,
                                                  generator=g), srcs, pos,
            torch.randn(n, c, 4, 8, generator=g))


def test_outputs_per_layer_and_scene_query():
    dec = tiny()
    content, qpos, srcs, pos, pix = inputs()
    with torch.no_grad():
        bins, logits, cls = dec(content, qpos, srcs, pos, pix)
    assert len(bins) == len(logits) == len(cls) == 3
    # query 0 is the scene query: 5 bins from 6 queries
    assert bins[0].shape == (2, 5)
    assert logits[0].shape == (2, 5, 4, 8)
    assert cls[0].shape == (2, 4)


def test_one_layer_by_hand():
    """Layer 0 attends to level 0: cross-attention (keys with positions,
    values without), norm, self-attention, norm, FFN, norm; then the
    similarity of mask embeddings with the per-pixel feature."""
    dec = tiny(classify=False)
    content, qpos, srcs, pos, pix = inputs()
    layer = dec.layers[0]
    with torch.no_grad():
        bins, logits, _ = dec(content, qpos, srcs, pos, pix)
        q = content
        q = layer.norm1(q + layer.cross_attn(q + qpos, srcs[0] +
                                             pos[0], srcs[0])[0])
        q = layer.norm2(q + layer.self_attn(q + qpos, q + qpos, q)[0])
        q = layer.norm3(q + layer.fc2(F.relu(layer.fc1(q))))
        out = dec.decoder_norm(q)
        assert torch.allclose(bins[0], dec.bins_embed(out)[..., 0], atol=1e-6)
        m = dec.mask_embed.layers
        emb = m[2](F.relu(m[1](F.relu(m[0](out)))))
        expected = (emb[:, :, :, None, None] * pix[:, None]).sum(2)
        assert torch.allclose(logits[0], expected, atol=1e-5)


def test_errors():
    dec = tiny()
    content, qpos, srcs, pos, pix = inputs()
    with pytest.raises(ValueError, match='built for 3 levels'):
        dec(content, qpos, srcs[:2], pos[:2], pix)
    with pytest.raises(ValueError, match='level_order'):
        tiny(level_order='up')
