"""DPTHead: shapes of every stage, class-token readout, BN option, output
range, loss and predict."""
import pytest
import torch
from mmengine.structures import PixelData

from depth.models.decode_heads import DPTHead
from depth.structures import DepthDataSample


def vit_layers(n=2, c=16, h=3, w=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(
        (torch.randn(n, c, h, w, generator=g), torch.randn(n, c, generator=g))
        for _ in range(4))


def make_head(**kwargs):
    cfg = dict(
        in_channels=16,
        channels=8,
        reassemble_channels=[4, 8, 12, 16],
        head_channels=6,
        scale_up=True,
        max_depth=20.)
    cfg.update(kwargs)
    return DPTHead(**cfg)


def test_stage_shapes():
    head = make_head()
    feats = vit_layers(h=3, w=5)
    levels = head._reassemble(feats)
    # x4 (transposed 4x4), x2 (transposed 2x2), x1, x1/2 (3x3 stride 2)
    assert [tuple(x.shape) for x in levels] == [(2, 4, 12, 20), (2, 8, 6, 10),
                                                (2, 12, 3, 5), (2, 16, 2, 3)]
    assert tuple(head.decode(feats).shape) == (2, 6, 42, 70)
    out = head(feats)
    assert out.shape == (2, 1, 42, 70)  # patch grid x 14
    assert (out > 0).all() and (out < 20.).all()  # sigmoid * max_depth
    # the deepest fusion block has no skip unit (never used)
    assert head.fusion_blocks[3].res_conv_unit1 is None
    assert all(b.res_conv_unit1 is not None for b in head.fusion_blocks[:3])
    # plain maps are accepted without the class-token readout
    maps = tuple(f[0] for f in feats)
    torch.testing.assert_close(head(maps), out)


def test_output_is_sigmoid_times_max_depth():
    head = make_head().eval()
    feats = vit_layers()
    with torch.no_grad():
        x = head.decode(feats)
        ref = torch.sigmoid(head.conv_depth(x)) * 20.
        torch.testing.assert_close(head(feats), ref)


def test_clstoken_readout_and_bn():
    head = make_head(use_clstoken=True, fusion_norm_cfg=dict(type='BN'))
    assert len(head.readout_projects) == 4
    assert isinstance(head.fusion_blocks[0].res_conv_unit2.bn1,
                      torch.nn.BatchNorm2d)
    feats = vit_layers()
    out = head(feats)
    assert out.shape == (2, 1, 42, 56)
    # the class token changes the output
    other = tuple((p, c + 1.) for p, c in feats)
    assert not torch.allclose(head(other), out)
    with pytest.raises(ValueError, match='cls_token'):
        head(tuple(f[0] for f in feats))


def test_loss_and_predict():
    head = make_head(
        loss_decode=dict(
            type='SigLoss', lambd=0.5, eps=0., unbiased=False, max_depth=20.))
    feats = vit_layers()
    samples = []
    for _ in range(2):
        s = DepthDataSample()
        gt = torch.rand(1, 45, 60) * 10 + 0.5
        gt[:, :5] = 0
        s.gt_depth_map = PixelData(data=gt)
        samples.append(s)
    losses = head.loss(feats, samples)
    assert set(losses) == {'loss_sig'} and torch.isfinite(losses['loss_sig'])
    losses['loss_sig'].backward()
    pred = head.predict(feats, [dict(batch_input_shape=(45, 60))] * 2)
    assert pred.shape == (2, 1, 45, 60)
    assert pred.min() >= 1e-3 and pred.max() <= 20.


def test_bad_inputs():
    with pytest.raises(ValueError, match='4 entries'):
        make_head(reassemble_channels=[4, 8, 12])
    with pytest.raises(TypeError, match='single'):
        make_head(in_channels=[16] * 4)
    head = make_head()
    with pytest.raises(ValueError, match='4 ViT layers'):
        head(vit_layers()[:3])
    with pytest.raises(ValueError, match='layer 0'):
        head(((torch.zeros(1, 15, 3, 4), torch.zeros(1, 15)), ) * 4)
