import pytest
import torch

from depth.models.layers import (DeformableTransformerEncoder,
                                 MultiScaleDeformableAttention)


def test_reference_points_are_pixel_centres():
    ref = DeformableTransformerEncoder.reference_points([(2, 3), (1, 2)], 2,
                                                        torch.device('cpu'))
    assert ref.shape == (2, 8, 2, 2)
    # level 0, row 1, col 2 (flat index 5): ((2 + .5) / 3, (1 + .5) / 2)
    assert ref[0, 5, 0].tolist() == pytest.approx([2.5 / 3, 0.75])
    # level 1, col 1 (flat index 6 + 1): (1.5 / 2, 0.5), on every level
    assert ref[1, 7].flatten().tolist() == pytest.approx([0.75, 0.5] * 2)


def test_shapes_and_one_layer_by_hand():
    torch.manual_seed(0)
    enc = DeformableTransformerEncoder(
        embed_dims=8,
        num_layers=1,
        num_levels=2,
        num_heads=2,
        num_points=2,
        feedforward_channels=16,
        dropout=0.).eval()
    feats = [torch.randn(1, 8, 4, 6), torch.randn(1, 8, 2, 3)]
    pos = [torch.randn(1, 8, 4, 6), torch.randn(1, 8, 2, 3)]
    with torch.no_grad():
        out = enc(feats, pos)
        assert [o.shape for o in out] == [f.shape for f in feats]
        # the same layer written out: norm1(MSDA), norm2(x + FFN(x))
        layer = enc.layers[0]
        x = torch.cat([f.flatten(2).transpose(1, 2) for f in feats], 1)
        p = torch.cat([
            q.flatten(2).transpose(1, 2) + enc.level_embeds[i]
            for i, q in enumerate(pos)
        ], 1)
        ref = enc.reference_points([(4, 6), (2, 3)], 1, x.device)
        y = layer.norm1(
            layer.self_attn(
                x,
                query_pos=p,
                reference_points=ref,
                spatial_shapes=[(4, 6), (2, 3)]))
        ffn = layer.ffn.fc2(torch.relu(layer.ffn.fc1(y)))
        y = layer.norm2(y + ffn)
        assert torch.allclose(
            out[0].flatten(2).transpose(1, 2), y[:, :24], atol=1e-6)
        assert torch.allclose(
            out[1].flatten(2).transpose(1, 2), y[:, 24:], atol=1e-6)


def test_init_and_errors():
    enc = DeformableTransformerEncoder(embed_dims=8, num_heads=2, num_levels=3)
    attn = enc.layers[0].self_attn
    assert isinstance(attn, MultiScaleDeformableAttention)
    assert attn.sampling_offsets.weight.abs().sum() == 0
    assert len(enc.layers) == 6
    with pytest.raises(ValueError, match='built for 3 levels'):
        enc([torch.zeros(1, 8, 2, 2)], [torch.zeros(1, 8, 2, 2)])
    with pytest.raises(ValueError, match='num_layers'):
        DeformableTransformerEncoder(num_layers=0)
