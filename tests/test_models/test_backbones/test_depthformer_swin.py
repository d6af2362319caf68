import re

import pytest
import torch
import torch.nn.functional as F

from depth.models.backbones import DepthFormerSwin
from depth.models.backbones.swin_layers import (SwinBlock,
                                                relative_position_index,
                                                shifted_window_mask)

TINY = dict(embed_dims=16, depths=(2, 2, 2, 2), num_heads=(1, 2, 2, 4))


def _timm_swin(window=7):
    timm = pytest.importorskip('timm')
    torch.manual_seed(0)
    return timm.models.swin_transformer.SwinTransformer(
        img_size=224,
        embed_dim=16,
        depths=(2, 2, 2, 2),
        num_heads=(1, 2, 2, 4),
        window_size=window,
        always_partition=True,
        drop_path_rate=0.,
        num_classes=5).eval()


def _timm_to_official(sd):
    """timm keys -> the official Microsoft release layout (merging at the
    end of a stage, `head.`, persistent index / mask buffers)."""
    out = {}
    for k, v in sd.items():
        k = re.sub(r'^layers\.(\d+)\.downsample',
                   lambda m: f'layers.{int(m.group(1)) - 1}.downsample', k)
        out[k.replace('head.fc.', 'head.')] = v
    for k in list(out):
        if k.endswith('relative_position_bias_table'):
            out[k.replace('bias_table', 'index')] = relative_position_index(7)
    out['layers.0.blocks.1.attn_mask'] = torch.zeros(64, 49, 49)
    return out


def _official_to_mmseg(sd):
    """Official -> mmseg layout, reordering the merging inputs element by
    element (mmseg's nn.Unfold order: channel * 4 + 2 * row + col)."""
    kpos = [0, 2, 1, 3]  # official blocks (0,0),(1,0),(0,1),(1,1) -> r*2+c
    out = {}
    for k, v in sd.items():
        if '.downsample.' in k:
            c = v.shape[-1] // 4
            new = torch.empty_like(v)
            for blk in range(4):
                for ch in range(c):
                    new[..., ch * 4 + kpos[blk]] = v[..., blk * c + ch]
            v = new
        k = k.replace('patch_embed.proj', 'patch_embed.projection')
        k = re.sub(r'^layers\.', 'stages.', k)
        k = re.sub(r'attn\.(qkv|proj|relative_position)', r'attn.w_msa.\1', k)
        k = k.replace('mlp.fc1.', 'ffn.layers.0.0.')
        k = k.replace('mlp.fc2.', 'ffn.layers.1.')
        out[k] = v
    return out


@pytest.mark.parametrize('size', [(64, 96), (96, 64), (160, 224)])
def test_output_shapes_any_multiple_of_32(size):
    model = DepthFormerSwin(**TINY)
    model.init_weights()
    h, w = size
    outs = model(torch.randn(1, 3, h, w))
    assert model.out_channels == [64, 16, 32, 64, 128]
    assert [tuple(o.shape) for o in outs
            ] == [(1, c, h // s, w // s)
                  for c, s in zip(model.out_channels, [2, 4, 8, 16, 32])]


def test_matches_timm_swin_and_official_checkpoint_loads(tmp_path):
    timm_model = _timm_swin()
    path = tmp_path / 'swin_official.pth'
    torch.save({'model': _timm_to_official(timm_model.state_dict())}, path)
    model = DepthFormerSwin(**TINY, drop_path_rate=0., pretrained=str(path))
    model.init_weights()
    report = model.load_pretrained(str(path))
    assert report['missing'] == [] and report['mismatched'] == []
    assert sorted(report['unexpected']) == [
        'head.bias', 'head.weight', 'norm.bias', 'norm.weight'
    ]
    assert all(k.startswith(('conv1', 'bn1', 'norm')) for k in report['new'])
    own = model.state_dict()
    assert torch.equal(own['layers.0.downsample.reduction.weight'],
                       timm_model.layers[1].downsample.reduction.weight)
    # same features as timm's Swin (224: every map a multiple of 7)
    model.eval()
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        ref = timm_model.forward_intermediates(x, intermediates_only=True)
        ours = model(x)
    for r, o in zip(ref, ours[1:]):
        r = F.layer_norm(r.permute(0, 2, 3, 1), r.shape[1:2])
        assert torch.allclose(r.permute(0, 3, 1, 2), o, atol=1e-4)


def test_timm_and_mmseg_layouts_load(tmp_path):
    timm_model = _timm_swin()
    official = _timm_to_official(timm_model.state_dict())
    reference = DepthFormerSwin(**TINY)
    reference.load_state_dict(
        {
            k: v
            for k, v in official.items() if k in reference.state_dict()
        },
        strict=False)
    for name, sd in [('timm', timm_model.state_dict()),
                     ('mmseg', {
                         f'backbone.{k}': v
                         for k, v in _official_to_mmseg(official).items()
                     })]:
        path = tmp_path / f'{name}.pth'
        torch.save({'state_dict': sd}, path)
        model = DepthFormerSwin(**TINY)
        report = model.load_pretrained(str(path))
        assert report['missing'] == [], name
        for k, v in reference.state_dict().items():
            if k.startswith(('layers', 'patch_embed')):
                assert torch.equal(model.state_dict()[k], v), (name, k)


def test_window_size_change_resizes_bias_table(tmp_path):
    path = tmp_path / 'w7.pth'
    torch.save({'model': _timm_to_official(_timm_swin().state_dict())}, path)
    model = DepthFormerSwin(**TINY, window_size=5)
    report = model.load_pretrained(str(path))
    assert report['missing'] == [] and report['mismatched'] == []
    table = model.layers[0].blocks[0].attn.relative_position_bias_table
    assert table.shape == (81, 1)
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 96))[4].shape == (1, 128, 2, 3)


def test_bad_pretrained():
    with pytest.raises(TypeError):
        DepthFormerSwin(**TINY, pretrained=True)
    model = DepthFormerSwin(**TINY, pretrained='does/not/exist.pth')
    with pytest.raises(FileNotFoundError, match='never downloaded'):
        model.init_weights()
    with pytest.raises(ValueError, match='out_indices'):
        DepthFormerSwin(**TINY, out_indices=(0, 4))


def _brute_force_block_attention(block, x):
    """Window attention written as one global attention with a mask:
    pad, roll, then every token attends to the tokens of its own window
    (relative position bias inside it, -100 across shifted regions)."""
    ws, shift = block.window_size, block.shift_size
    b, h, w, c = x.shape
    hp, wp = -(-h // ws) * ws, -(-w // ws) * ws
    xp = F.pad(block.norm1(x), (0, 0, 0, wp - w, 0, hp - h))
    xp = torch.roll(xp, (-shift, -shift), (1, 2))
    tokens = xp.reshape(b, hp * wp, c)
    attn = block.attn
    heads = attn.num_heads
    qkv = attn.qkv(tokens).view(b, -1, 3, heads, c // heads)
    q, k, v = qkv.unbind(2)
    logits = torch.einsum('bqhd,bkhd->bhqk', q, k) * attn.scale
    rows = torch.arange(hp).repeat_interleave(wp)
    cols = torch.arange(wp).repeat(hp)
    same_window = ((rows[:, None] // ws) == (rows[None] // ws)) & \
        ((cols[:, None] // ws) == (cols[None] // ws))
    dy = rows[:, None] - rows[None] + ws - 1
    dx = cols[:, None] - cols[None] + ws - 1
    idx = (dy * (2 * ws - 1) + dx).clamp(0, (2 * ws - 1)**2 - 1)
    bias = attn.relative_position_bias_table[idx].permute(2, 0, 1)
    logits = logits + bias
    if shift:

        def region(i, n):
            return (i >= n - ws).long() + (i >= n - shift).long()

        reg = region(rows, hp) * 3 + region(cols, wp)
        logits = logits + (reg[:, None] != reg[None]) * -100.0
    logits = logits.masked_fill(~same_window, float('-inf'))
    out = torch.einsum('bhqk,bkhd->bqhd', logits.softmax(-1), v)
    out = attn.proj(out.reshape(b, hp * wp, c)).view(b, hp, wp, c)
    out = torch.roll(out, (shift, shift), (1, 2))[:, :h, :w]
    return x + out


@pytest.mark.parametrize('shift', [False, True])
@pytest.mark.parametrize('size', [(10, 9), (7, 14), (3, 5)])
def test_block_padding_matches_brute_force(shift, size):
    torch.manual_seed(0)
    block = SwinBlock(8, 2, window_size=7, shift=shift).eval()
    torch.nn.init.normal_(block.attn.relative_position_bias_table)
    x = torch.randn(2, *size, 8)
    h, w = size
    mask = shifted_window_mask(-(-h // 7) * 7, -(-w // 7) * 7, 7, 3, x.device)
    with torch.no_grad():
        ours = block._attention(block.norm1(x), mask) + x
        ref = _brute_force_block_attention(block, x)
    assert torch.allclose(ours, ref, atol=1e-5)


def test_backward_drop_path_and_checkpointing():
    model = DepthFormerSwin(**TINY, with_cp=True)
    model.init_weights()
    model.train()
    x = torch.randn(2, 3, 64, 64, requires_grad=True)
    outs = model(x)
    sum(o.mean() for o in outs).backward()
    assert all(p.grad is not None for p in model.parameters())
    dp = [m.drop_prob for m in model.modules() if hasattr(m, 'drop_prob')]
    assert dp[0] == 0 and abs(dp[-1] - 0.3) < 1e-6


def test_depthformer_model_loss_and_predict():
    """The whole DepthFormer (DepthFormerSwin + HAHI + DenseDepth head) of
    the synthetic demo config: one loss and one predict step at 64x96."""
    import os.path as osp

    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.structures import PixelData

    from depth.registry import MODELS
    from depth.structures import DepthDataSample
    init_default_scope('depth')
    root = osp.dirname(osp.dirname(osp.dirname(osp.dirname(__file__))))
    cfg = Config.fromfile(
        osp.join(root, 'configs/depthformer/swint-tiny_synthetic.py'))
    model = MODELS.build(cfg.model)
    model.init_weights()
    samples = []
    for _ in range(2):
        s = DepthDataSample(
            metainfo=dict(
                img_shape=(64, 96),
                ori_shape=(64, 96),
                pad_shape=(64, 96),
                batch_input_shape=(64, 96)))
        s.gt_depth_map = PixelData(data=torch.rand(1, 64, 96) * 10 + 1)
        samples.append(s)
    x = torch.randn(2, 3, 64, 96)
    losses = model.loss(x, samples)
    assert set(losses) == {'decode.loss_sig'}
    losses['decode.loss_sig'].backward()
    model.eval()
    with torch.no_grad():
        preds = model.predict(x, samples)
    assert preds[0].pred_depth_map.data.shape == (1, 64, 96)
