import pytest
import torch
from mmengine.logging import MessageHub

from depth.models.decode_heads import AttractorHead
from depth.testing import depth_sample, random_depth_map

DEC = [8, 8, 16, 16]
IN_CHANNELS = [1, *DEC, 32]


def _inputs(n=2, h=32, w=48, scale=1.0):
    outs = [torch.randn(n, 1, h, w) * scale]
    for i, c in enumerate(DEC):
        s = 2**(i + 1)
        outs.append(torch.randn(n, c, h // s, w // s) * scale)
    outs.append(torch.randn(n, 32, h // 32 + 1, w // 32 + 1) * scale)
    return tuple(outs)


def _head(**kwargs):
    cfg = dict(
        in_channels=IN_CHANNELS,
        channels=8,
        n_bins=16,
        bin_embedding_dim=16,
        seed_mlp_dim=16,
        attractor_mlp_dim=16,
        min_depth=0.5,
        max_depth=20.)
    cfg.update(kwargs)
    return AttractorHead(**cfg)


@pytest.mark.parametrize('kwargs', [
    dict(),
    dict(attractor_type='inv', attractor_aggregation='mean'),
    dict(attractor_type='exp', attractor_aggregation='mean', stirling=False),
    dict(prob_type='softmax'),
    dict(normalize_attractors=False),
])
@pytest.mark.parametrize('scale', [1.0, 1e3])
def test_forward_shapes_and_range(kwargs, scale):
    torch.manual_seed(0)
    head = _head(**kwargs)
    out = head(_inputs(scale=scale))
    assert out['pred_depth'].shape == (2, 1, 32, 48)
    assert out['bin_centers'].shape == out['probs'].shape == (2, 16, 32, 48)
    assert out['rel_depth'].shape == (2, 1, 32, 48)
    depth = out['pred_depth']
    assert torch.isfinite(depth).all()
    # within the range up to float32 rounding of sum_k p_k (= 1 +- 1e-7)
    assert depth.min() >= 0.5 * (1 - 1e-6)
    assert depth.max() <= 20. * (1 + 1e-6)
    c = out['bin_centers']
    assert c.min() >= 0.5 and c.max() <= 20.
    assert (c[:, 1:] >= c[:, :-1] - 1e-5).all()  # sorted bins
    torch.testing.assert_close(out['probs'].sum(1), torch.ones(2, 32, 48))
    # Eq. (1)
    torch.testing.assert_close(depth, (out['probs'] * c).sum(1, True))


def test_default_config_matches_paper():
    head = AttractorHead(
        in_channels=[1, 64, 128, 256, 512, 2048], max_depth=80.)
    assert head.n_bins == 64
    assert [a.n_attractors for a in head.attractors] == [16, 8, 4, 1]
    a = head.attractors[0]
    assert (a.attractor_type, a.aggregation) == ('exp', 'sum')
    assert head.prob_layer.stirling
    silog, grad = head.loss_decode
    assert type(silog).__name__ == 'SqrtSILogLoss'
    assert (silog.loss_weight, silog.lambd) == (10.0, 0.85)
    assert type(grad).__name__ == 'GradientLoss'
    assert (grad.loss_weight, grad.start_iter) == (0.1, 30)


def _samples(n=2, h=32, w=48):
    return [
        depth_sample(
            random_depth_map(h, w, (1, 11), invalid_rows=5),
            batch_input_shape=(h, w)) for _ in range(n)
    ]


def test_loss_and_predict():
    hub = MessageHub.get_instance('test_attractor_head')
    try:
        head = _head()
        hub.update_info('iter', 0)
        losses = head.loss(_inputs(), _samples())
        assert set(losses) == {'loss_silog', 'loss_grad'}
        assert losses['loss_grad'].item() == 0  # before iteration 30
        hub.update_info('iter', 30)
        losses = head.loss(_inputs(), _samples())
        assert losses['loss_grad'].item() > 0
        sum(losses.values()).backward()
        assert head.seed_regressor.mlp[0].weight.grad is not None
        assert head.attractors[-1].mlp[0].weight.grad is not None
        pred = head.predict(_inputs(), [s.metainfo for s in _samples()])
        assert pred.shape == (2, 1, 32, 48)
    finally:
        MessageHub._instance_dict.pop('test_attractor_head', None)


def test_softplus_centres_build_and_run():
    head = _head(bin_centers_type='softplus')
    out = head(_inputs())
    assert out['pred_depth'].shape == (2, 1, 32, 48)
    assert (out['pred_depth'] > 0).all()


def test_bad_config():
    with pytest.raises(ValueError, match='max_depth'):
        AttractorHead(in_channels=IN_CHANNELS)
    with pytest.raises(ValueError, match='n_attractors'):
        _head(n_attractors=(16, 8, 4))
    with pytest.raises(ValueError, match='in_channels'):
        _head(in_channels=[3, *DEC, 32])
    with pytest.raises(ValueError, match='prob_type'):
        _head(prob_type='sigmoid')
    with pytest.raises(ValueError, match='expected'):
        _head()(_inputs()[1:])


def test_depther_end_to_end():
    """ImagePassthroughBackbone + LaplacianPyramidNeck + AttractorHead in
    DepthEncoderDecoder: a loss step and a predict step."""
    from mmengine.registry import init_default_scope

    from depth.registry import MODELS
    init_default_scope('depth')
    model = MODELS.build(
        dict(
            type='DepthEncoderDecoder',
            data_preprocessor=dict(
                type='DepthDataPreprocessor',
                mean=[0., 0., 0.],
                std=[255., 255., 255.],
                size_divisor=32),
            backbone=dict(
                type='ImagePassthroughBackbone',
                backbone=dict(type='TimmBackbone', model_name='resnet18')),
            neck=dict(
                type='LaplacianPyramidNeck',
                in_channels=[3, 64, 64, 128, 256, 512],
                channels=(8, 8, 16, 16),
                lateral_channels=(8, 8, 16, 16, 32)),
            decode_head=dict(
                type='AttractorHead',
                in_channels=[1, 8, 8, 16, 16, 512],
                channels=8,
                n_bins=16,
                bin_embedding_dim=16,
                min_depth=1e-3,
                max_depth=10.)))
    assert model.backbone.out_channels == [3, 64, 64, 128, 256, 512]
    imgs = [torch.randint(0, 256, (3, 60, 90), dtype=torch.uint8)] * 2

    def samples():
        out = _samples(h=60, w=90)
        for s in out:
            s.set_metainfo(dict(img_shape=(60, 90), ori_shape=(60, 90)))
        return out

    data = model.data_preprocessor(
        dict(inputs=imgs, data_samples=samples()), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_silog', 'decode.loss_grad'}
    sum(losses.values()).backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=imgs, data_samples=samples()), False)
        preds = model(**data, mode='predict')
        raw = model(data['inputs'], mode='tensor')
    assert preds[0].pred_depth_map.data.shape == (1, 60, 90)
    assert raw['probs'].shape == (2, 16, 64, 96)


def test_seed_conv_option():
    torch.manual_seed(0)
    inputs = _inputs()
    assert isinstance(_head().seed_conv, torch.nn.Identity)
    head = _head(seed_conv=True)
    conv = head.seed_conv
    assert isinstance(conv, torch.nn.Conv2d)
    assert conv.in_channels == conv.out_channels == 32
    assert conv.kernel_size == (1, 1) and conv.bias is not None
    seen = {}
    head.seed_regressor.register_forward_hook(
        lambda m, i, o: seen.__setitem__('reg', i[0]))
    head.seed_projector.register_forward_hook(
        lambda m, i, o: seen.__setitem__('proj', i[0]))
    out = head(inputs)
    # both seed branches see conv1x1(f), f the bottleneck
    expected = torch.einsum('oc,nchw->nohw', conv.weight[:, :, 0, 0],
                            inputs[-1]) + conv.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(seen['reg'], expected)
    torch.testing.assert_close(seen['proj'], expected)
    assert out['pred_depth'].shape == (2, 1, 32, 48)


@pytest.mark.parametrize('align_corners', [False, True])
def test_bin_centre_upsampling_align_corners(align_corners):
    torch.manual_seed(0)
    head = _head(align_corners=align_corners)
    assert all(a.align_corners is align_corners for a in head.attractors)
    seen = {}
    head.attractors[-1].register_forward_hook(
        lambda m, i, o: seen.__setitem__('centers', o[1]))
    out = head(_inputs())
    last = seen['centers']  # at z_1, (2, 16, 16, 24)
    assert last.shape == (2, 16, 16, 24)
    expected = torch.nn.functional.interpolate(
        last, (32, 48), mode='bilinear', align_corners=align_corners)
    torch.testing.assert_close(out['bin_centers'], expected)
    other = torch.nn.functional.interpolate(
        last, (32, 48), mode='bilinear', align_corners=not align_corners)
    assert (out['bin_centers'] - other).abs().max() > 1e-4
    # align_corners=True keeps the corner values exactly (ZoeDepth)
    if align_corners:
        torch.testing.assert_close(out['bin_centers'][..., 0, 0], last[..., 0,
                                                                       0])
