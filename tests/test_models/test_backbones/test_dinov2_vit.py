"""DINOv2ViT: intermediate layers and DINOv2's positional-embedding
interpolation, checked by direct computation on a tiny ViT."""
import math

import pytest
import torch
import torch.nn.functional as F

from depth.models.backbones import DINOv2ViT
from depth.models.backbones.dinov2_vit import (DINOV2_ARCHS,
                                               dinov2_interpolate_pos_embed)


def tiny_vit(**kwargs):
    """4 blocks of width 32; a 5 x 5 positional grid (img_size 70)."""
    torch.manual_seed(0)
    cfg = dict(
        model_name='vit_small_patch14_dinov2',
        embed_dim=32,
        depth=4,
        num_heads=2,
        img_size=70,
        out_indices=(0, 2, 3))
    cfg.update(kwargs)
    model = DINOv2ViT(**cfg).eval()
    with torch.no_grad():  # non-trivial norm, layer-scale and table values
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return model


def test_default_indices_are_depth_anything_v2s():
    assert DINOV2_ARCHS['vits'][1] == (2, 5, 8, 11)
    assert DINOV2_ARCHS['vitb'][1] == (2, 5, 8, 11)
    assert DINOV2_ARCHS['vitl'][1] == (4, 11, 17, 23)
    model = DINOv2ViT(arch='vits')
    assert model.out_indices == (2, 5, 8, 11)
    assert model.embed_dim == 384 and model.patch_size == 14
    assert model.pos_embed.shape == (1, 1 + 37 * 37, 384)


def test_intermediate_layers_by_hand():
    model = tiny_vit()
    x = torch.randn(2, 3, 42, 56)  # 3 x 4 patches
    with torch.no_grad():
        outs = model(x)
        # Direct computation: patchify, class token, DINOv2 table, blocks.
        w = model.patch_embed.proj.weight
        patches = x.unfold(2, 14, 14).unfold(3, 14, 14)  # N,3,3,4,14,14
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(2, 12, -1)
        tokens = patches @ w.reshape(32, -1).t() + model.patch_embed.proj.bias
        tokens = torch.cat([model.cls_token.expand(2, -1, -1), tokens], 1)
        table = model.pos_embed[:, 1:].reshape(1, 5, 5, 32).permute(0, 3, 1, 2)
        grid = F.interpolate(
            table,
            scale_factor=((3 + 0.1) / 5, (4 + 0.1) / 5),
            mode='bicubic',
            antialias=False)
        assert grid.shape[-2:] == (3, 4)
        pos = torch.cat(
            [model.pos_embed[:, :1],
             grid.flatten(2).transpose(1, 2)], 1)
        tokens = tokens + pos
        expected = []
        for i, block in enumerate(model.blocks):
            tokens = block(tokens)
            if i in (0, 2, 3):
                expected.append(model.norm(tokens))
    assert len(outs) == 3
    for (patch_map, cls), ref in zip(outs, expected):
        assert patch_map.shape == (2, 32, 3, 4) and cls.shape == (2, 32)
        torch.testing.assert_close(cls, ref[:, 0])
        torch.testing.assert_close(
            patch_map, ref[:, 1:].reshape(2, 3, 4, 32).permute(0, 3, 1, 2))


def test_pos_embed_interpolation_is_dinov2s():
    torch.manual_seed(1)
    table = torch.randn(1, 1 + 25, 8)
    out = dinov2_interpolate_pos_embed(table, 42, 56, 14, 1 + 12)
    assert out.shape == (1, 13, 8)
    torch.testing.assert_close(out[:, 0], table[:, 0])
    # bicubic at the scale factors (h0 + 0.1) / sqrt(N), (w0 + 0.1) / sqrt(N)
    grid = table[:, 1:].reshape(1, 5, 5, 8).permute(0, 3, 1, 2)
    sx, sy = 3.1 / math.sqrt(25), 4.1 / math.sqrt(25)
    ref = F.interpolate(grid, scale_factor=(sx, sy), mode='bicubic')
    torch.testing.assert_close(out[:, 1:], ref.flatten(2).transpose(1, 2))
    # ... which is not a plain resize to the 3 x 4 grid (timm's)
    plain = F.interpolate(grid, size=(3, 4), mode='bicubic')
    assert (out[:, 1:] - plain.flatten(2).transpose(1, 2)).abs().max() > 1e-2
    # antialias and offset are honoured
    anti = dinov2_interpolate_pos_embed(table, 42, 56, 14, 13, antialias=True)
    assert not torch.allclose(anti, out)
    # the same grid, square image: the table itself (no interpolation);
    # same patch count, non-square image: interpolated (as DINOv2)
    assert dinov2_interpolate_pos_embed(table, 70, 70, 14, 26) is table
    same_count = dinov2_interpolate_pos_embed(table, 70, 83, 14, 26)
    assert same_count.shape == table.shape
    assert not torch.equal(same_count, table)
    with pytest.raises(ValueError, match='square'):
        dinov2_interpolate_pos_embed(torch.zeros(1, 1 + 24, 8), 28, 28, 14, 5)


def test_input_not_a_multiple_of_the_patch():
    model = tiny_vit(out_indices=(3, ))
    with torch.no_grad():
        a = model(torch.randn(1, 3, 42, 56))
        x = torch.randn(1, 3, 50, 60)
        b = model(x)
        c = model(x[..., :42, :56])
    assert a[0][0].shape == b[0][0].shape == (1, 32, 3, 4)
    torch.testing.assert_close(b[0][0], c[0][0])  # the border is ignored
    with pytest.raises(ValueError, match='smaller than one'):
        model(torch.randn(1, 3, 10, 40))


def test_pretrained_local_file(tmp_path):
    model = tiny_vit()
    path = tmp_path / 'enc.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    other = tiny_vit(pretrained=str(path))
    torch.manual_seed(5)
    with torch.no_grad():
        for p in other.parameters():
            p.normal_()
    other.init_weights()
    for (k, v), v2 in zip(model.state_dict().items(),
                          other.state_dict().values()):
        assert torch.equal(v, v2), k
    # a file of another size is an error naming it
    bad = tmp_path / 'bad.pth'
    torch.save({'cls_token': torch.zeros(1, 1, 32)}, bad)
    with pytest.raises(KeyError, match='bad.pth'):
        tiny_vit(pretrained=str(bad)).init_weights()
    with pytest.raises(FileNotFoundError, match='never downloaded'):
        DINOv2ViT(arch='vits', pretrained=str(tmp_path / 'missing.pth'))
    with pytest.raises(TypeError):
        DINOv2ViT(arch='vits', pretrained=True)


def test_bad_arguments():
    with pytest.raises(KeyError, match='vitx'):
        DINOv2ViT(arch='vitx')
    with pytest.raises(ValueError, match='out_indices'):
        tiny_vit(out_indices=(4, ))
    with pytest.raises(ValueError, match='out_indices'):
        DINOv2ViT(
            model_name='vit_small_patch14_dinov2',
            embed_dim=32,
            depth=2,
            num_heads=2)
