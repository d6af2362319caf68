import glob
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config

from depth.models.decode_heads import OrdinalRegressionHead
from depth.models.decode_heads.ordinal_regression_head import (
    hard_ce_inference, hard_ordinal_inference, interval_edges,
    ordinal_probabilities, soft_ce_inference, soft_ordinal_inference)
from depth.models.losses import OrdinalRegressionLoss
from depth.registry import MODELS
from depth.testing import CONFIG_ROOT, depth_sample, loss_and_predict

CONFIG_DIR = osp.join(CONFIG_ROOT, 'acan')

#: The tiny head's layout (16 input channels, 4 intervals).
TINY = dict(
    in_channels=16,
    channels=8,
    num_intervals=4,
    key_channels=4,
    value_channels=8,
    pool_channels=4)


def _head(**kwargs):
    """The tiny head on depths 1 to 8 m (edges 1, 2, 4, 8)."""
    cfg = dict(TINY, min_depth=1.0, max_depth=8.0)
    cfg.update(kwargs)
    return OrdinalRegressionHead(**cfg)


def _samples(gt):
    return [depth_sample(g) for g in gt]


def test_thresholds_equal_eq9():
    # t_k = exp(ln a + k (ln b - ln a) / (K - 1)); a = 1, b = 8, K = 4:
    # 1, 2, 4, 8 (and 16, 32 past the range)
    edges = interval_edges(1.0, 8.0, 4, 'log')
    assert torch.allclose(
        edges, torch.tensor([1., 2., 4., 8., 16., 32.], dtype=torch.float64))
    a, b, k = 0.5, 10.0, 80
    edges = interval_edges(a, b, k, 'log')
    eq9 = [
        math.exp(math.log(a) + i * (math.log(b) - math.log(a)) / (k - 1))
        for i in range(k)
    ]
    assert torch.allclose(edges[:k], torch.tensor(eq9, dtype=torch.float64))
    head = _head()
    assert torch.allclose(head.edges, torch.tensor([1., 2., 4., 8., 16., 32.]))
    assert torch.allclose(head.centers, torch.tensor([1.5, 3., 6., 12., 24.]))


def test_sid_and_uniform_edges():
    # DORN's SID: t_k = exp(k ln(b + xi) / K) - xi, xi = 1 - a
    assert torch.allclose(
        interval_edges(1.0, 16.0, 4, 'sid')[:5],
        torch.tensor([1., 2., 4., 8., 16.], dtype=torch.float64))
    sid = interval_edges(0.5, 16.0, 4, 'sid')
    assert sid[0].item() == pytest.approx(0.5)
    assert sid[4].item() == pytest.approx(16.0)
    assert sid[1].item() == pytest.approx(16.5**0.25 - 0.5)
    assert torch.allclose(
        interval_edges(0.0, 8.0, 4, 'uniform'),
        torch.tensor([0., 2., 4., 6., 8., 10.], dtype=torch.float64))
    with pytest.raises(ValueError, match='discretization'):
        interval_edges(1.0, 8.0, 4, 'linear')
    with pytest.raises(ValueError, match='min_depth > 0'):
        interval_edges(0.0, 8.0, 4, 'log')


def test_labels_follow_the_edges():
    head = _head()  # edges 1, 2, 4, 8
    depth = torch.tensor(
        [1.0, 1.5, 2.01, 3.9, 4.01, 7.99, 8.0, 0.0, 0.5,
         100.0]).view(1, 1, 1, -1)
    labels = head.depth_to_label(depth)
    assert labels.flatten().tolist() == [0, 0, 1, 1, 2, 2, 3, 0, 0, 3]
    assert head._num_clamped == 2  # 0.5 and 100, counted and warned
    sid = _head(discretization='sid', min_depth=1.0, max_depth=16.0)
    depth = torch.tensor([1.5, 3.0, 5.0, 15.0, 16.0]).view(1, 1, 1, -1)
    assert sid.depth_to_label(depth).flatten().tolist() == [0, 1, 2, 3, 3]
    uni = _head(discretization='uniform', min_depth=0.0, max_depth=8.0)
    depth = torch.tensor([0.5, 2.5, 5.0, 7.9]).view(1, 1, 1, -1)
    assert uni.depth_to_label(depth).flatten().tolist() == [0, 1, 2, 3]


def test_soft_inference_eq13_and_hard_eq12():
    centers = torch.tensor([1.5, 3.0, 6.0, 12.0])  # edges 1, 2, 4, 8, 16
    probs = torch.tensor([0.9, 0.6, 0.2]).view(1, 3, 1, 1)
    # S = 1.7, l = 1, D = 0.7: d = 3 * 0.3 + 6 * 0.7 = 5.1
    soft = soft_ordinal_inference(probs, centers)
    assert soft.shape == (1, 1, 1, 1)
    assert soft.item() == pytest.approx(5.1)
    # l = #{P_k >= 0.5} = 2: d = (t_2 + t_3) / 2 = 6
    assert hard_ordinal_inference(probs, centers).item() == 6.0
    # extremes: all 0 -> c_0, all 1 -> c_K
    zeros, ones = torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1)
    assert soft_ordinal_inference(zeros, centers).item() == 1.5
    assert soft_ordinal_inference(ones, centers).item() == 12.0
    assert hard_ordinal_inference(ones, centers).item() == 12.0


def test_soft_is_continuous_where_hard_steps():
    centers = torch.tensor([1.5, 3.0, 6.0, 12.0])
    p1 = torch.linspace(0.3, 0.7, 401)
    probs = torch.stack(
        [torch.full_like(p1, 0.95), p1,
         torch.full_like(p1, 0.1)], 1).view(-1, 3, 1, 1)
    soft = soft_ordinal_inference(probs, centers).flatten()
    hard = hard_ordinal_inference(probs, centers).flatten()
    step = p1[1] - p1[0]
    # soft: monotone, no jump larger than the slope bound (6 - 3) * dp
    diffs = soft.diff()
    assert (diffs > 0).all()
    assert diffs.max().item() <= 3.0 * step.item() * 1.01
    # hard: piecewise constant with one jump 3 -> 6 at P_1 = 0.5
    assert set(hard.tolist()) == {3.0, 6.0}
    assert (hard.diff() != 0).sum().item() == 1
    # continuous across an integer S (here S = 0.95 + 0.05 = 1): both sides
    # give c_1 = 3
    s_int = torch.tensor([[0.95], [0.05 - 1e-6], [0.0]]).view(1, 3, 1, 1)
    s_int2 = torch.tensor([[0.95], [0.05 + 1e-6], [0.0]]).view(1, 3, 1, 1)
    assert soft_ordinal_inference(s_int, centers).item() == pytest.approx(
        soft_ordinal_inference(s_int2, centers).item(), abs=1e-4)


def test_probabilities_and_ce_inference():
    logits = torch.tensor([0., 0., 1., 0., 0., 2.]).view(1, 6, 1, 1)
    probs = ordinal_probabilities(logits).flatten()
    e = math.e
    assert probs.tolist() == pytest.approx(
        [0.5, 1 / (1 + e), e**2 / (1 + e**2)], abs=1e-6)
    centers = torch.tensor([1.5, 3.0, 6.0, 12.0])
    ce = torch.tensor([0.0, 2.0, 1.0]).view(1, 3, 1, 1)
    assert hard_ce_inference(ce, centers).item() == 3.0
    p = torch.softmax(torch.tensor([0.0, 2.0, 1.0]), 0)
    expected = math.exp(
        sum(p[i].item() * math.log(c) for i, c in enumerate([1.5, 3.0, 6.0])))
    assert soft_ce_inference(ce, centers).item() == pytest.approx(
        expected, rel=1e-6)


def test_head_forward_loss_predict():
    torch.manual_seed(0)
    head = _head()
    x = torch.randn(2, 16, 4, 6)
    out = head((x, ))
    assert out['logits'].shape == (2, 8, 4, 6)
    assert out['attention'].shape == (2, 24, 24)
    gt = torch.rand(2, 1, 32, 48) * 6 + 1.5
    gt[:, :, :8] = 0
    losses = head.loss((x, ), _samples(gt))
    assert set(losses) == {'loss_ord', 'loss_att'}
    # untrained: P_k ~ 0.5, ordinal loss ~ K ln 2
    assert losses['loss_ord'].item() == pytest.approx(4 * math.log(2), rel=0.1)
    sum(losses.values()).backward()
    head.eval()
    metas = [dict(batch_input_shape=(32, 48))] * 2
    with torch.no_grad():
        soft = head.predict((x, ), metas, dict(mode='whole'))
        hard = head.predict((x, ), metas, dict(inference='hard'))
        logits = head.resize(head((x, ))['logits'], (32, 48))
        assert soft.shape == (2, 1, 32, 48)
        # decoded at the input size, then clamped to the depth range
        lo, hi = head.min_depth, head.max_depth
        assert torch.equal(soft,
                           head.decode_depth(logits, 'soft').clamp(lo, hi))
        assert torch.equal(hard,
                           head.decode_depth(logits, 'hard').clamp(lo, hi))
        assert hard.max() <= hi and hard.min() >= lo
        head.inference = 'hard'
        assert torch.equal(head.predict((x, ), metas, None), hard)
    with pytest.raises(ValueError, match='inference'):
        head.predict((x, ), metas, dict(inference='round'))


def test_head_variants():
    x = torch.randn(2, 16, 4, 6)
    gt = torch.rand(2, 1, 32, 48) * 6 + 1.5
    ce = _head(
        classifier='ce',
        loss_decode=dict(type='IntervalCrossEntropyLoss'),
        loss_attention=None)
    assert ce((x, ))['logits'].shape == (2, 4, 4, 6)
    assert set(ce.loss((x, ), _samples(gt))) == {'loss_ce'}
    # a depth loss next to the interval loss gets the soft depth
    mixed = _head(
        loss_decode=[
            dict(type='OrdinalRegressionLoss'),
            dict(type='SigLoss', loss_weight=0.5)
        ],
        image_pool=False)
    losses = mixed.loss((x, ), _samples(gt))
    assert set(losses) == {'loss_ord', 'loss_sig', 'loss_att'}
    sum(losses.values()).backward()
    with pytest.raises(ValueError, match='logit'):
        _head(classifier='ce')  # OrdinalRegressionLoss needs 2K logits
    with pytest.raises(ValueError, match='classifier'):
        _head(classifier='svm')
    built = MODELS.build(dict(type='OrdinalRegressionHead', **TINY))
    assert built.num_intervals == 4


@pytest.mark.parametrize(
    'cfg_file',
    sorted(glob.glob(osp.join(CONFIG_DIR, '*.py'))),
    ids=osp.basename)
def test_configs_loss_and_predict_step(cfg_file):
    from mmengine.registry import init_default_scope
    init_default_scope('depth')
    torch.manual_seed(0)
    cfg = Config.fromfile(cfg_file)
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    n, h, w = 2, 64, 96
    inputs = [
        torch.randint(0, 256, (3, h, w), dtype=torch.uint8) for _ in range(n)
    ]
    gt = torch.rand(n, 1, h, w) * 5 + 2.0
    gt[:, :, :16] = 0
    samples = _samples(gt)
    for s in samples:
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w)))
    losses, preds = loss_and_predict(model,
                                     dict(inputs=inputs, data_samples=samples))
    expected = {'decode.loss_ord'}
    if cfg.model.decode_head.get('loss_attention') is not None:
        expected.add('decode.loss_att')
    assert expected <= set(losses)
    pred = preds[0].pred_depth_map.data
    assert pred.shape == (1, h, w) and torch.isfinite(pred).all()


# --------------------------------------------------------------------------
# official-code variants (github.com/miraiaroha/ACAN)
def test_round_labels_ignore_label_zero():
    head = _head(label_mode='round')  # thresholds 1, 2, 4, 8; K = 4
    # index = ln(d / 1) / ln(8 / 1) * (K - 1) = log2(d)
    depth = torch.tensor(
        [0.0, 0.9, 1.2, 1.5, 2.9, 3.0, 5.0, 6.0, 7.9, 8.0,
         9.0]).view(1, 1, 1, -1)
    # log2: -, out, 0.26, 0.58, 1.54, 1.58, 2.32, 2.58, 2.98, out, out
    labels, valid = head.labels_and_mask(depth)
    assert labels.flatten().tolist() == [0, 0, 0, 1, 2, 2, 2, 3, 3, 0, 0]
    assert valid.flatten().tolist() == [
        False, False, False, True, True, True, True, True, True, False, False
    ]
    assert head._num_clamped == 0  # ignored, not clamped
    # the default floors and clamps out-of-range depths into the range
    labels, valid = _head().labels_and_mask(depth)
    assert labels.flatten().tolist() == [0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 3]
    assert valid.flatten().tolist() == [False] + [True] * 10
    with pytest.raises(ValueError, match='label_mode'):
        _head(label_mode='ceil')


def test_round_labels_loss_uses_only_kept_pixels():
    torch.manual_seed(0)
    head = _head(label_mode='round', loss_attention=None)
    logits = torch.randn(1, 8, 1, 4)
    gt = torch.tensor([1.2, 3.0, 9.0, 6.0]).view(1, 1, 1, 4)
    losses = head.loss_by_feat(dict(logits=logits), _samples(gt))
    # kept: 3.0 (label 2) and 6.0 (label 3)
    z = (logits[:, 1::2] - logits[:, 0::2])[0, :, 0]  # (K, 4)

    def theta(col, label):
        return -sum(
            F.logsigmoid(z[k, col]) if k < label else F.logsigmoid(-z[k, col])
            for k in range(4))

    expected = (theta(1, 2) + theta(3, 3)) / 2
    assert losses['loss_ord'].item() == pytest.approx(
        expected.item(), abs=1e-5)


def test_ce_threshold_decoding():
    head = _head(
        classifier='ce',
        ce_values='thresholds',
        loss_decode=dict(type='IntervalCrossEntropyLoss'))
    # p = (0.5, 0.25, 0.25, ~0) over thresholds t = 1, 2, 4, 8
    logits = torch.tensor(
        [math.log(0.5), math.log(0.25),
         math.log(0.25), -1e4]).view(1, 4, 1, 1)
    # hard: t_0 = 1 (centres would give 1.5); soft: 2^(0.25 + 0.5)
    assert head.decode_depth(logits, 'hard').item() == pytest.approx(1.0)
    assert head.decode_depth(logits, 'soft').item() == pytest.approx(
        2**0.75, rel=1e-6)
    centres = _head(
        classifier='ce', loss_decode=dict(type='IntervalCrossEntropyLoss'))
    assert centres.decode_depth(logits, 'hard').item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match="classifier='ce' only"):
        _head(ce_values='thresholds')
    with pytest.raises(ValueError, match='ce_values'):
        _head(classifier='ce', ce_values='mid')


def test_upsample_scale_align_corners():
    head = _head(upsample_scale=2, align_corners=True)
    x = torch.tensor([[0., 3.], [0., 3.]]).view(1, 1, 2, 2)
    up = head.upsample_logits(x, (4, 4))
    # x2 with align_corners=True: 0, 1, 2, 3 along each row
    assert torch.allclose(up[0, 0], torch.tensor([[0., 1., 2., 3.]] * 4))
    # the default resizes straight to the size with align_corners=False
    ref = F.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False)
    assert torch.allclose(_head().upsample_logits(x, (4, 4)), ref)
    assert ref[0, 0, 0].tolist() == [0., 0.75, 2.25, 3.]
    # a size other than scale x input: resized after the upsampling
    assert head.upsample_logits(x, (5, 6)).shape == (1, 1, 5, 6)
    with pytest.raises(ValueError, match='upsample_scale'):
        _head(upsample_scale=0)
    with pytest.raises(ValueError, match='upsample_scale'):
        _head(upsample_scale=1.5)


def test_upsample_scale_in_loss_and_predict():
    torch.manual_seed(0)
    head = _head(
        upsample_scale=8,
        align_corners=True,
        label_mode='round',
        loss_attention=None).eval()
    feats = (torch.randn(2, 16, 3, 5), )
    out = head.forward(feats)
    gt = torch.rand(2, 1, 24, 40) * 7 + 1
    losses = head.loss_by_feat(out, _samples(gt))
    up = F.interpolate(
        out['logits'], scale_factor=8, mode='bilinear', align_corners=True)
    labels, valid = head.labels_and_mask(gt)
    expected = OrdinalRegressionLoss()(up, labels, valid)
    assert losses['loss_ord'].item() == pytest.approx(
        expected.item(), rel=1e-6)
    metas = [dict(img_shape=(24, 40), pad_shape=(24, 40))] * 2
    pred = head.predict_by_feat(out, metas)
    assert pred.shape == (2, 1, 24, 40)
    assert torch.allclose(pred, head.decode_depth(up).clamp(1.0, 8.0))


def test_official_cam_and_fusion_layout():
    torch.manual_seed(0)
    head = _head(
        value_type='conv3x3_conv1x1',
        pool_type='fc',
        fusion_norm=False,
        fusion_dropout_ratio=0.5,
        dropout_ratio=0.5,
        loss_attention=None)
    assert isinstance(head.fusion_dropout, nn.Dropout2d)
    assert head.fusion_dropout.p == 0.5 and head.dropout.p == 0.5
    assert head.bottleneck.norm_cfg is None
    assert head.bottleneck.conv.bias is not None
    assert head.cam.value[0].conv.kernel_size == (3, 3)
    assert isinstance(head.cam.image_pool[3], nn.Linear)
    head.eval()
    x = torch.randn(2, 16, 3, 5)
    out = head.forward((x, ))
    assert out['logits'].shape == (2, 8, 3, 5)
    cam_out, _ = head.cam(x)
    fused = F.relu(head.bottleneck.conv(cam_out))
    assert torch.allclose(out['logits'], head.conv_cls(fused), atol=1e-6)
    # defaults: no dropout before the fusion conv, BN in it
    default = _head()
    assert isinstance(default.fusion_dropout, nn.Identity)
    assert default.bottleneck.conv.bias is None
    with pytest.raises(ValueError, match='fusion_dropout_ratio'):
        _head(fusion_dropout_ratio=1.0)
