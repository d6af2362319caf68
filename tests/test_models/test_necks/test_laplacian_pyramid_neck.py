import pytest
import torch

from depth.models.necks import LaplacianPyramidNeck
from depth.models.necks.laplacian_pyramid_neck import laplacian_residuals

IN_CHANNELS = [3, 8, 8, 16, 16, 32]  # image + strides 2..32


def _inputs(n=2, h=64, w=96, in_channels=IN_CHANNELS):
    feats = [torch.randn(n, in_channels[0], h, w)]
    for i, c in enumerate(in_channels[1:]):
        s = 2**(i + 1)
        feats.append(torch.randn(n, c, h // s, w // s))
    return tuple(feats)


def _neck(**kwargs):
    cfg = dict(
        in_channels=IN_CHANNELS,
        channels=(8, 8, 16, 16),
        pyramid_channels=None)
    cfg.update(kwargs)
    return LaplacianPyramidNeck(**cfg)


def test_laplacian_residuals_hand_computed():
    # one row repeated twice: 0 2 4 8
    img = torch.tensor([[0., 2., 4., 8.], [0., 2., 4., 8.]]).view(1, 1, 2, 4)
    residuals, images = laplacian_residuals(img, num_levels=2)
    # I_2: 2x2 averages -> [[1, 6]]; I_3: [[3.5]]
    torch.testing.assert_close(images[1], torch.tensor([[[[1., 6.]]]]))
    torch.testing.assert_close(images[2], torch.tensor([[[[3.5]]]]))
    # Up(I_2) to 2x4, bilinear (half-pixel centres): column x samples
    # x / 2 - 0.25 -> [1, 0.75*1 + 0.25*6, 0.25*1 + 0.75*6, 6]
    #               = [1, 2.25, 4.75, 6]
    # l_1 = I_1 - Up(I_2) = [-1, -0.25, -0.75, 2] on both rows
    torch.testing.assert_close(
        residuals[0],
        torch.tensor([[-1., -0.25, -0.75, 2.]] * 2).view(1, 1, 2, 4))
    # l_2 = I_2 - Up(I_3) = [1 - 3.5, 6 - 3.5]
    torch.testing.assert_close(residuals[1], torch.tensor([[[[-2.5, 2.5]]]]))


def test_laplacian_residuals_properties():
    torch.manual_seed(0)
    const = torch.full((1, 3, 16, 24), 0.7)
    residuals, _ = laplacian_residuals(const, 4)
    assert [tuple(r.shape[-2:]) for r in residuals] == [(16, 24), (8, 12),
                                                        (4, 6), (2, 3)]
    for r in residuals:
        torch.testing.assert_close(r, torch.zeros_like(r))
    # exact reconstruction: I_1 = l_1 + Up(l_2 + Up(... + Up(I_{L+1})))
    img = torch.randn(2, 3, 20, 30)
    residuals, images = laplacian_residuals(img, 3)
    rec = images[-1]
    for r in reversed(residuals):
        rec = r + torch.nn.functional.interpolate(
            rec, size=r.shape[-2:], mode='bilinear', align_corners=False)
    torch.testing.assert_close(rec, img)


@pytest.mark.parametrize('num_levels', [1, 2, 3, 4, 5])
@pytest.mark.parametrize('fusion', ['dense', 'residual'])
def test_neck_shapes(num_levels, fusion):
    neck = _neck(num_levels=num_levels, pyramid_fusion=fusion)
    inputs = _inputs()
    outs = neck(inputs)
    assert neck.out_channels == [1, 8, 8, 16, 16, 32]
    assert len(outs) == 6
    assert outs[0].shape == (2, 1, 64, 96)
    for i, (o, c) in enumerate(zip(outs[1:5], [8, 8, 16, 16])):
        s = 2**(i + 1)
        assert o.shape == (2, c, 64 // s, 96 // s)
    assert outs[-1] is inputs[-1]  # the raw bottleneck
    sum(o.sum() for o in outs[:-1]).backward()


def test_neck_uses_the_image():
    torch.manual_seed(0)
    neck = _neck().eval()
    inputs = _inputs(n=1)
    rel = neck(inputs)[0]
    # same features, image with extra high-frequency content
    img = inputs[0] + 0.5 * (torch.arange(96) % 2).float()
    rel2 = neck((img, *inputs[1:]))[0]
    assert not torch.allclose(rel, rel2)
    # a constant offset has no Laplacian residual: nothing changes
    rel3 = neck((inputs[0] + 3.0, *inputs[1:]))[0]
    torch.testing.assert_close(rel, rel3)


def test_neck_odd_sizes():
    """Inputs that are not multiples of 32 still work (sizes are matched by
    resizing)."""
    neck = _neck()
    h, w = 50, 70
    feats = [torch.randn(1, 3, h, w)]
    for i, c in enumerate(IN_CHANNELS[1:]):
        s = 2**(i + 1)
        feats.append(torch.randn(1, c, -(-h // s), -(-w // s)))
    assert neck(feats)[0].shape == (1, 1, h, w)


def test_neck_default_widths_and_dilations():
    neck = LaplacianPyramidNeck(in_channels=[3, 64, 256, 512, 1024, 2048])
    # laterals double the encoder channels (the paper)
    assert [m.conv.out_channels
            for m in neck.laterals] == [128, 512, 1024, 2048, 4096]
    # dilated fusion at strides 8 and 16
    assert neck.fusions[2].convs[0].conv.dilation == (6, 6)
    assert neck.fusions[3].convs[1].conv.dilation == (6, 6)
    assert neck.out_channels == [1, 64, 128, 256, 512, 2048]


def test_neck_bad_config_and_inputs():
    with pytest.raises(ValueError, match='channels'):
        _neck(channels=(8, 8, 16))
    with pytest.raises(ValueError, match='num_levels'):
        _neck(num_levels=6)
    with pytest.raises(ValueError, match='pyramid_fusion'):
        _neck(pyramid_fusion='sum')
    with pytest.raises(ValueError, match='pyramid_channels'):
        _neck(pyramid_channels=(8, 8))
    neck = _neck()
    with pytest.raises(ValueError, match='ImagePassthroughBackbone'):
        neck(_inputs()[1:])
