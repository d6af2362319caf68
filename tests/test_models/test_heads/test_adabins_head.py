import math

import pytest
import torch
from mmengine.registry import init_default_scope

from depth.models.decode_heads import AdabinsHead
from depth.models.layers import MiniViT
from depth.registry import MODELS
from depth.testing import depth_sample, random_depth_map

IN_CHANNELS = [4, 8, 8, 16, 32]
MIN_DEPTH, MAX_DEPTH = 1e-3, 10.0


def tiny_head(**kwargs):
    cfg = dict(
        in_channels=IN_CHANNELS,
        up_sample_channels=[16, 16, 16, 32, 32],
        channels=16,
        n_bins=12,
        patch_size=4,
        num_queries=8,
        num_layers=1,
        num_heads=2,
        feedforward_channels=32,
        regressor_channels=16,
        transformer_dropout=0.0,
        pos_embed_size=(4, 4),
        min_depth=MIN_DEPTH,
        max_depth=MAX_DEPTH,
        align_corners=True,
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='LeakyReLU'),
        loss_decode=dict(type='SigLoss', loss_weight=10))
    cfg.update(kwargs)
    return AdabinsHead(**cfg)


def feats(n=2, h=32, w=32, seed=0):
    """Multi-level features of an ``h x w`` input (levels at /2 ... /32)."""
    g = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(n, c, h // 2**(i + 1), w // 2**(i + 1), generator=g)
        for i, c in enumerate(IN_CHANNELS))


def samples(n=2, h=32, w=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [  # some invalid pixels: the top 4 rows
        depth_sample(
            random_depth_map(h, w, (0.5, 9.5), 4, g), batch_input_shape=(h, w))
        for _ in range(n)
    ]


def test_normalize_widths_eq1():
    head = tiny_head(n_bins=3)
    widths = head.normalize_widths(torch.tensor([[-1.0, 0.0, 1.0]]))
    expected = torch.tensor([[1e-3, 1e-3, 1.001]]) / 1.003
    torch.testing.assert_close(widths, expected)


def test_bins_from_widths_eq2():
    head = tiny_head(n_bins=3)
    widths = torch.tensor([[0.5, 0.25, 0.25]])
    edges, centers = head.bins_from_widths(widths)
    span = MAX_DEPTH - MIN_DEPTH
    expected_edges = MIN_DEPTH + span * torch.tensor([[0, 0.5, 0.75, 1.0]])
    torch.testing.assert_close(edges, expected_edges)
    # Eq. (2): c_i = d_min + (d_max - d_min) * (b_i / 2 + sum_{j<i} b_j)
    expected_centers = MIN_DEPTH + span * torch.tensor(
        [[0.25, 0.5 + 0.125, 0.75 + 0.125]])
    torch.testing.assert_close(centers, expected_centers)


@pytest.mark.parametrize('strategy', ['adaptive', 'uniform', 'log', 'trained'])
def test_bins_and_depth_in_range(strategy):
    torch.manual_seed(0)
    head = tiny_head(bins_strategy=strategy)
    out = head(feats())
    edges, centers, depth = (out['bin_edges'], out['bin_centers'],
                             out['depth'])
    assert edges.shape == (2, 13) and centers.shape == (2, 12)
    assert depth.shape == (2, 1, 16, 16)
    widths = torch.diff(edges, dim=1) / (MAX_DEPTH - MIN_DEPTH)
    torch.testing.assert_close(widths.sum(1), torch.ones(2))
    assert (widths > 0).all()
    assert edges[:, 0].eq(MIN_DEPTH).all()
    torch.testing.assert_close(edges[:, -1], torch.full((2, ), MAX_DEPTH))
    assert (torch.diff(centers, dim=1) > 0).all()
    assert (centers > MIN_DEPTH).all() and (centers < MAX_DEPTH).all()
    assert depth.min() >= MIN_DEPTH and depth.max() <= MAX_DEPTH + 1e-5


def test_fixed_strategies_values():
    head = tiny_head(bins_strategy='uniform')
    out = head(feats())
    expected = torch.linspace(MIN_DEPTH, MAX_DEPTH, 13)
    torch.testing.assert_close(out['bin_edges'][0], expected)
    head = tiny_head(bins_strategy='log')
    out = head(feats())
    expected = torch.exp(
        torch.linspace(math.log(MIN_DEPTH), math.log(MAX_DEPTH), 13))
    torch.testing.assert_close(out['bin_edges'][1], expected)
    # No MLP head and no chamfer loss when the bins are constants.
    assert head.mini_vit.regressor is None and head.loss_chamfer is None


def test_adaptive_bins_differ_per_image_trained_are_shared():
    torch.manual_seed(0)
    out = tiny_head()(feats())
    assert not torch.allclose(out['bin_centers'][0], out['bin_centers'][1])
    out = tiny_head(bins_strategy='trained')(feats())
    torch.testing.assert_close(out['bin_centers'][0], out['bin_centers'][1])


def test_depth_in_range_with_extreme_logits():
    torch.manual_seed(0)
    head = tiny_head()
    with torch.no_grad():
        for p in head.parameters():
            p.mul_(50)
    out = head(feats())
    assert torch.isfinite(out['depth']).all()
    assert out['depth'].min() >= MIN_DEPTH
    assert out['depth'].max() <= MAX_DEPTH * (1 + 1e-6)


@pytest.mark.parametrize('strategy', ['adaptive', 'uniform', 'log', 'trained'])
def test_loss_and_predict_every_strategy(strategy):
    torch.manual_seed(0)
    head = tiny_head(bins_strategy=strategy)
    losses = head.loss(feats(), samples())
    expected = {'loss_sig', 'loss_chamfer'} \
        if strategy in ('adaptive', 'trained') else {'loss_sig'}
    assert set(losses) == expected
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    # Every parameter takes part (DDP without find_unused_parameters).
    unused = [n for n, p in head.named_parameters() if p.grad is None]
    assert not unused, unused
    if strategy == 'trained':
        assert head.bin_logits.grad.abs().sum() > 0
    pred = head.predict(feats(), [dict(batch_input_shape=(32, 32))] * 2)
    assert pred.shape == (2, 1, 32, 32)


def test_loss_weights_and_chamfer_value():
    torch.manual_seed(0)
    head = tiny_head()
    data = samples()
    out = head(feats())
    losses = head.loss_by_feat(out, data)
    gt = torch.stack([s.gt_depth_map.data for s in data])
    chamfer = MODELS.build(dict(type='BinsChamferLoss', loss_weight=0.1))
    torch.testing.assert_close(losses['loss_chamfer'],
                               chamfer(out['bin_centers'], gt))
    pred = torch.nn.functional.interpolate(
        out['depth'], size=(32, 32), mode='bilinear', align_corners=True)
    sig = MODELS.build(dict(type='SigLoss', loss_weight=10))
    torch.testing.assert_close(losses['loss_sig'], sig(pred, gt))


def test_any_input_size():
    torch.manual_seed(0)
    head = tiny_head()
    head.eval()
    # 96x128 input -> 48x64 map -> 12x16 = 192 tokens (grid != 4x4).
    out = head(feats(1, 96, 128))
    assert out['depth'].shape == (1, 1, 48, 64)
    # 32x64 input -> 16x32 map -> 4x8 tokens.
    assert head(feats(1, 32, 64))['depth'].shape == (1, 1, 16, 32)


def test_too_few_tokens_upsamples_patch_input():
    torch.manual_seed(0)
    head = tiny_head(patch_size=8)
    # 32x32 input -> 16x16 map -> 2x2 = 4 tokens < num_queries + 1 = 9.
    out = head(feats(1, 32, 32))
    assert out['depth'].shape == (1, 1, 16, 16)
    assert torch.isfinite(out['depth']).all()


def test_mini_vit_table1_size():
    # Table 1 of the paper: p=16, E=128, 4 layers, 4 heads, C=128,
    # MLP 1024 -> 5.8 M parameters.
    vit = MiniViT(128)
    n = sum(p.numel() for p in vit.parameters())
    assert 5.75e6 < n < 5.9e6
    x = torch.randn(1, 128, 208, 272)  # NYU 416x544 crop at H/2
    vit.eval()
    with torch.no_grad():
        bins, ram = vit(x)
    assert bins.shape == (1, 256) and ram.shape == (1, 128, 208, 272)


def test_bad_config():
    with pytest.raises(ValueError, match='bins_strategy'):
        tiny_head(bins_strategy='exp')
    with pytest.raises(ValueError, match='max_depth'):
        tiny_head(max_depth=None)
    with pytest.raises(ValueError, match='divisible'):
        tiny_head(num_heads=3)


def test_in_depther():
    init_default_scope('depth')
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='DepthEncoderDecoder',
            data_preprocessor=dict(
                type='DepthDataPreprocessor', size_divisor=32),
            backbone=dict(
                type='EfficientNetEncoder', model_name='efficientnet_b0'),
            decode_head=dict(
                type='AdabinsHead',
                in_channels=[16, 24, 40, 112, 1280],
                up_sample_channels=[16, 16, 16, 32, 64],
                channels=16,
                n_bins=12,
                patch_size=4,
                num_queries=8,
                num_layers=1,
                num_heads=2,
                feedforward_channels=32,
                min_depth=MIN_DEPTH,
                max_depth=MAX_DEPTH,
                align_corners=True,
                norm_cfg=dict(type='BN'),
                loss_decode=dict(type='SigLoss', loss_weight=10))))
    inputs = torch.randn(2, 3, 64, 96)
    data = samples(2, 64, 96)
    losses = model.loss(inputs, data)
    assert set(losses) == {'decode.loss_sig', 'decode.loss_chamfer'}
    model.eval()
    with torch.no_grad():
        preds = model.predict(inputs, data)
        raw = model(inputs, mode='tensor')
    assert preds[0].pred_depth_map.data.shape == (1, 64, 96)
    assert set(raw) == {'depth', 'bin_edges', 'bin_centers'}


def test_bottleneck_padding_released_layout():
    torch.manual_seed(0)
    head = tiny_head(bottleneck_padding=1)
    x = feats()
    # The 1x1 conv with padding=1 grows the deepest level (1x1 at 32x32) by
    # 2 pixels per dimension; the border holds the conv's bias.
    deep = head.conv_list[0](x[-1])
    assert deep.shape[-2:] == (3, 3)
    bias = head.conv_list[0].conv.bias
    torch.testing.assert_close(deep[0, :, 0, 0], bias)
    out = head(x)
    assert out['depth'].shape == (2, 1, 16, 16)
    # Same weights without the padding: another prediction.
    plain = tiny_head()
    plain.load_state_dict(head.state_dict())
    plain.eval(), head.eval()
    assert not torch.allclose(plain(x)['depth'], head(x)['depth'])
    with pytest.raises(ValueError, match='bottleneck_padding'):
        tiny_head(bottleneck_padding=-1)


def test_flat_positional_table_in_head():
    torch.manual_seed(0)
    head = tiny_head(pos_embed_type='flat', num_pos_embeds=20).eval()
    assert head.mini_vit.pos_embed.shape == (20, 16)
    # 32x32 input -> 16x16 map -> 4x4 = 16 tokens <= 20 rows.
    assert head(feats())['depth'].shape == (2, 1, 16, 16)
    # 64x64 input -> 8x8 = 64 tokens > 20 rows: a clear error.
    with pytest.raises(ValueError, match='64 patch tokens.*only 20 rows'):
        head(feats(1, 64, 64))
    with pytest.raises(ValueError, match='pos_embed_type'):
        tiny_head(pos_embed_type='sine')
    with pytest.raises(ValueError, match='num_pos_embeds'):
        tiny_head(pos_embed_type='flat', num_pos_embeds=4)


def test_released_code_eps():
    head = tiny_head(n_bins=3, bins_eps=0.1)
    widths = head.normalize_widths(torch.tensor([[-1.0, 0.0, 1.0]]))
    expected = torch.tensor([[0.1, 0.1, 1.1]]) / 1.3
    torch.testing.assert_close(widths, expected)
