import pytest
import torch
import torch.nn.functional as F

from depth.models.backbones import TimmBackbone


def _capture(module):
    store = {}

    def hook(mod, inputs, output):
        store['in'], store['out'] = inputs[0], output

    module.register_forward_hook(hook)
    return store


@pytest.mark.parametrize('model_name,conv_name', [('resnet18', 'conv1'),
                                                  ('resnet26', 'conv2')])
def test_first_block_dilation(model_name, conv_name):
    torch.manual_seed(0)
    default = TimmBackbone(model_name, output_stride=8, out_indices=(4, ))
    torch.manual_seed(0)
    official = TimmBackbone(
        model_name,
        output_stride=8,
        out_indices=(4, ),
        first_block_dilation=dict(layer3=2, layer4=4))
    # timm: the first block keeps the previous stage's dilation (1, 2)
    for stage, before, after in (('layer3', 1, 2), ('layer4', 2, 4)):
        blocks = getattr(official.model, stage)
        conv = getattr(blocks[0], conv_name)
        ref = getattr(getattr(default.model, stage)[0], conv_name)
        assert ref.dilation == (before, before) == ref.padding
        assert conv.dilation == (after, after) == conv.padding
        assert conv.stride == (1, 1)
        # the other blocks are untouched (they already have it)
        for block in blocks[1:]:
            assert block.conv2.dilation == (after, after)
    # weights unchanged: a pretrained checkpoint loads as before
    sd_default, sd_official = default.state_dict(), official.state_dict()
    assert sd_default.keys() == sd_official.keys()
    assert all(torch.equal(sd_default[k], sd_official[k]) for k in sd_default)
    # timm zero-initialises the last BN of each block: randomise the BN
    # weights so that the residual branches count
    with torch.no_grad():
        for m in official.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.2, 0.5)
    default.load_state_dict(official.state_dict())
    # the dilated conv computes conv2d(dilation=2, padding=2) of its input
    official.eval()
    conv = getattr(official.model.layer3[0], conv_name)
    store = _capture(conv)
    x = torch.randn(1, 3, 70, 90)
    with torch.no_grad():
        feats = official(x)
    assert feats[-1].shape == (1, official.out_channels[-1], 9, 12)
    expected = F.conv2d(store['in'], conv.weight, None, 1, 2, 2)
    assert torch.allclose(store['out'], expected, atol=1e-5)
    # and differs from timm's layout on the same weights
    default.eval()
    with torch.no_grad():
        diff = (default(x)[-1] - feats[-1]).abs().max()
    assert diff > 1e-2 * feats[-1].abs().max()


def test_first_block_dilation_errors():
    with pytest.raises(ValueError, match="'layer5'"):
        TimmBackbone(
            'resnet18', out_indices=(4, ), first_block_dilation=dict(layer5=2))
    with pytest.raises(ValueError, match=r"first_block_dilation\['layer3'\]"):
        TimmBackbone(
            'resnet18', out_indices=(4, ), first_block_dilation=dict(layer3=0))
    with pytest.raises(ValueError, match="'blocks'"):
        TimmBackbone(
            'efficientnet_b0',
            out_indices=(4, ),
            first_block_dilation=dict(blocks=2))


def test_local_pretrained_loads_the_file(tmp_path):
    import timm

    torch.manual_seed(0)
    src = timm.create_model('resnet18')  # with classifier: timm's layout
    path = tmp_path / 'r18.pth'
    torch.save(src.state_dict(), path)
    torch.manual_seed(1)
    backbone = TimmBackbone('resnet18', pretrained=str(path))
    own = backbone.model.state_dict()
    for key, value in own.items():
        torch.testing.assert_close(value, src.state_dict()[key])
    with pytest.raises(FileNotFoundError, match='for resnet18 does not'):
        TimmBackbone('resnet18', pretrained=str(tmp_path / 'missing.pth'))
    with pytest.raises(TypeError, match='local file'):
        TimmBackbone('resnet18', pretrained=True)
