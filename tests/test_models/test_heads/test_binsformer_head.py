import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData

from depth.models.decode_heads import BinsFormerHead
from depth.structures import DepthDataSample

IN_CHANNELS = [8, 16, 16, 32]
MIN_DEPTH, MAX_DEPTH = 1e-3, 10.0


@pytest.fixture(autouse=True)
def scope():
    init_default_scope('depth')


def tiny_head(**kwargs):
    cfg = dict(
        in_channels=IN_CHANNELS,
        channels=16,
        n_bins=6,
        min_depth=MIN_DEPTH,
        max_depth=MAX_DEPTH,
        positional_encoding=dict(
            type='SinePositionalEncoding', num_feats=8, normalize=True),
        encoder=dict(
            num_layers=1,
            num_heads=2,
            num_points=2,
            feedforward_channels=32,
            dropout=0.),
        decoder=dict(
            num_layers=4,
            num_heads=2,
            feedforward_channels=32,
            level_order='cycle'),
        classify=True,
        num_classes=5,
        aux_index=(0, 2),
        aux_weight=(0.25, 0.5))
    cfg.update(kwargs)
    head = BinsFormerHead(**cfg)
    head.init_weights()
    return head


def feats(n=2, h=64, w=96, seed=0):
    """Backbone levels of an ``h x w`` input (strides 4 ... 32)."""
    g = torch.Generator().manual_seed(seed)
    return tuple(
        torch.randn(n, c, h // 2**(i + 2), w // 2**(i + 2), generator=g)
        for i, c in enumerate(IN_CHANNELS))


def samples(n=2, h=64, w=96, labels=(1, 3), seed=0):
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        gt = torch.rand(1, h, w, generator=g) * 9 + 0.5
        gt[:, :8] = 0
        meta = dict(batch_input_shape=(h, w))
        if labels is not None:
            meta['class_label'] = labels[i]
        s = DepthDataSample(metainfo=meta)
        s.gt_depth_map = PixelData(data=gt)
        out.append(s)
    return out


def test_shapes_every_layer():
    head = tiny_head().eval()
    with torch.no_grad():
        out = head(feats())
    assert len(out['depth']) == 4
    for d, e, c, p, k in zip(out['depth'], out['bin_edges'],
                             out['bin_centers'], out['probs'],
                             out['class_logits']):
        assert d.shape == (2, 1, 16, 24)  # the stride-4 level
        assert e.shape == (2, 7) and c.shape == (2, 6)
        assert p.shape == (2, 6, 16, 24)
        assert k.shape == (2, 5)
        # edges start at min_depth and end at max_depth
        assert torch.allclose(e[:, 0], torch.full((2, ), MIN_DEPTH))
        assert torch.allclose(e[:, -1], torch.full((2, ), MAX_DEPTH))
        assert torch.allclose(p.sum(1), torch.ones(2, 16, 24), atol=1e-5)
        assert (d >= c.min() - 1e-5).all() and (d <= c.max() + 1e-5).all()
    # 6 bins queries + 1 scene query
    assert head.query_content.weight.shape == (7, 16)
    assert head.query_pos.weight.shape == (7, 16)


def test_bins_from_logits_hand_computed():
    """widths = softmax(b) * (max - min); edges from min_depth; centres are
    the mid-points. b = log(1, 1, 2): widths 1/4, 1/4, 1/2 of 10 - 2."""
    head = tiny_head(n_bins=3, min_depth=2.0, max_depth=10.0)
    b = torch.log(torch.tensor([[1., 1., 2.]]))
    edges, centers = head.bins_from_logits(b)
    assert edges[0].tolist() == pytest.approx([2., 4., 6., 10.])
    assert centers[0].tolist() == pytest.approx([3., 5., 8.])


def test_depth_is_probability_weighted_centres():
    head = tiny_head().eval()
    with torch.no_grad():
        out = head(feats())
    p, c = out['probs'][-1], out['bin_centers'][-1]
    expected = (p * c[:, :, None, None]).sum(1, keepdim=True)
    assert torch.allclose(out['depth'][-1], expected, atol=1e-6)


def test_losses_every_supervised_layer():
    """decode loss on the last layer, aux_weight x loss on the aux layers;
    the class loss on the same layers, unweighted (as the original)."""
    head = tiny_head()
    head.train()
    torch.manual_seed(0)
    x = feats()
    data = samples()
    losses = head.loss(x, data)
    assert set(losses) == {
        'loss_sig', 'loss_sig_aux0', 'loss_sig_aux2', 'loss_ce',
        'loss_ce_aux0', 'loss_ce_aux2'
    }
    # recompute from the forward outputs with the same dropout state (none)
    head.eval()
    with torch.no_grad():
        out = head(x)
        losses = head.loss_by_feat(out, data)
        gt = torch.stack([s.gt_depth_map.data for s in data])
        sig = head.loss_decode[0]
        labels = torch.tensor([1, 3])
        for layer, weight, suffix in [(3, 1., ''), (0, .25, '_aux0'),
                                      (2, .5, '_aux2')]:
            pred = torch.nn.functional.interpolate(
                out['depth'][layer],
                size=gt.shape[-2:],
                mode='bilinear',
                align_corners=True)
            assert torch.allclose(losses['loss_sig' + suffix],
                                  weight * sig(pred, gt))
            ce = 1e-2 * torch.nn.functional.cross_entropy(
                out['class_logits'][layer], labels)
            assert torch.allclose(losses['loss_ce' + suffix], ce)
    # default loss weight of the recipe: SigLoss x 10
    assert sig.loss_weight == 10.


def test_backward_reaches_queries_and_encoder():
    head = tiny_head()
    # the deformable attention starts with zero offset/weight matrices (the
    # positions reach it only once they have moved): move them
    with torch.no_grad():
        for layer in head.encoder.layers:
            layer.self_attn.sampling_offsets.weight.normal_(0, 0.1)
            layer.self_attn.attention_weights.weight.normal_(0, 0.1)
    head.train()
    losses = head.loss(feats(), samples())
    sum(losses.values()).backward()
    for name in ('query_content.weight', 'query_pos.weight',
                 'level_embed.weight', 'encoder.level_embeds',
                 'decoder.class_embed.layers.2.weight',
                 'skip_proj.0.conv.weight', 'lateral_convs.2.conv.weight'):
        p = dict(head.named_parameters())[name]
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_without_classification_query():
    head = tiny_head(classify=False)
    assert head.query_content.weight.shape == (6, 16)
    assert not hasattr(head.decoder, 'class_embed')
    out = head(feats())
    assert 'class_logits' not in out
    losses = head.loss_by_feat(out, samples(labels=None))
    assert set(losses) == {'loss_sig', 'loss_sig_aux0', 'loss_sig_aux2'}


def test_missing_class_label_is_a_clear_error():
    head = tiny_head()
    with pytest.raises(KeyError, match='class_label'):
        head.loss(feats(), samples(labels=None))


def test_chamfer_option_and_all_layers():
    head = tiny_head(
        aux_index=(0, 1, 2),
        aux_weight=(1., 1., 1.),
        loss_chamfer=dict(type='BinsChamferLoss', loss_weight=0.1))
    losses = head.loss(feats(), samples())
    for layer in (0, 1, 2):
        assert f'loss_chamfer_aux{layer}' in losses
        assert f'loss_sig_aux{layer}' in losses
    assert 'loss_chamfer' in losses


def test_predict_clamps_then_resizes():
    head = tiny_head().eval()
    with torch.no_grad():
        pred = head.predict(feats(), [dict(batch_input_shape=(64, 96))])
    assert pred.shape == (2, 1, 64, 96)
    assert pred.min() >= MIN_DEPTH and pred.max() <= MAX_DEPTH


def test_level_orders():
    cyc = tiny_head(decoder=dict(num_layers=6, level_order='cycle')).decoder
    blk = tiny_head(
        decoder=dict(num_layers=9, level_order='block'),
        aux_index=(),
        aux_weight=()).decoder
    assert [cyc.level_index(i) for i in range(6)] == [0, 1, 2, 0, 1, 2]
    assert [blk.level_index(i)
            for i in range(9)] == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_bad_arguments():
    with pytest.raises(ValueError, match='aux_index'):
        tiny_head(aux_index=(7, ), aux_weight=(1., ))
    with pytest.raises(ValueError, match='aux_index and aux_weight'):
        tiny_head(aux_index=(0, ), aux_weight=())
    with pytest.raises(ValueError, match='trans_index'):
        tiny_head(trans_index=(1, 2, 4))
    with pytest.raises(ValueError, match='level_order'):
        tiny_head(decoder=dict(level_order='zigzag'))
    with pytest.raises(ValueError, match='num_layers <= 9'):
        tiny_head(decoder=dict(num_layers=10, level_order='block'))
    head = tiny_head()
    with pytest.raises(ValueError, match='4 input levels'):
        head(feats()[:3])
