import pytest
import timm
import torch
from mmengine.model.utils import convert_sync_batchnorm, revert_sync_batchnorm

from depth.models.backbones import EfficientNetEncoder

NAME = 'efficientnet_b0'  # small and fast; B5 has the same structure


def timm_weights(encoder):
    """The encoder's state dict in timm's key layout."""
    return {k.replace('.bn.', '.'): v for k, v in encoder.state_dict().items()}


def test_levels_and_shapes():
    enc = EfficientNetEncoder(NAME)
    assert enc.out_channels == [16, 24, 40, 112, 1280]
    assert enc.reductions == [2, 4, 8, 16, 32]
    enc.eval()
    with torch.no_grad():
        outs = enc(torch.randn(1, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [(16, 32, 48), (24, 16, 24),
                                                  (40, 8, 12), (112, 4, 6),
                                                  (1280, 2, 3)]
    # head='conv' drops the unused bn2 (every parameter is used).
    assert not hasattr(enc, 'bn2')


def test_matches_timm():
    torch.manual_seed(0)
    x = torch.randn(1, 3, 64, 64)
    enc = EfficientNetEncoder(NAME, head='conv_bn_act').eval()
    ref = timm.create_model(NAME, num_classes=0, global_pool='').eval()
    ref.load_state_dict(timm_weights(enc))
    feats = timm.create_model(NAME, features_only=True).eval()
    feats.load_state_dict(timm_weights(enc), strict=False)
    with torch.no_grad():
        outs = enc(x)
        ref_levels = feats(x)
        ref_head = ref.forward_features(x)  # conv_head + bn2 + act
        raw_head = ref.conv_head(ref.blocks(ref.bn1(ref.conv_stem(x))))
    for o, r in zip(outs[:4], ref_levels[:4]):
        torch.testing.assert_close(o, r)
    torch.testing.assert_close(outs[4], ref_head)

    enc_conv = EfficientNetEncoder(NAME, head='conv').eval()
    enc_conv.load_state_dict({
        k: v
        for k, v in enc.state_dict().items() if not k.startswith('bn2')
    })
    with torch.no_grad():
        torch.testing.assert_close(enc_conv(x)[4], raw_head)

    enc_none = EfficientNetEncoder(NAME, head=None).eval()
    assert enc_none.out_channels[-1] == 320
    enc_none.load_state_dict({
        k: v
        for k, v in enc.state_dict().items()
        if not k.startswith(('bn2', 'conv_head'))
    })
    with torch.no_grad():
        torch.testing.assert_close(enc_none(x)[4], ref_levels[4])


def test_sync_bn_keeps_activations():
    # mmengine's (revert_)convert_sync_batchnorm rebuilds every BatchNorm as
    # a plain one; the activations must survive the round trip.
    torch.manual_seed(0)
    enc = EfficientNetEncoder(NAME).eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        before = enc(x)
        converted = revert_sync_batchnorm(
            convert_sync_batchnorm(enc, 'torch')).eval()
        after = converted(x)
    for a, b in zip(before, after):
        torch.testing.assert_close(a, b)


def test_local_pretrained(tmp_path):
    torch.manual_seed(0)
    src = timm.create_model(NAME)  # with classifier, timm key layout
    path = tmp_path / 'effnet.pth'
    torch.save(src.state_dict(), path)
    enc = EfficientNetEncoder(NAME, pretrained=str(path))
    loaded = timm_weights(enc)
    for k, v in loaded.items():
        torch.testing.assert_close(v, src.state_dict()[k])


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match='never'):
        EfficientNetEncoder(NAME, pretrained=str(tmp_path / 'missing.pth'))
    with pytest.raises(TypeError, match='local file'):
        EfficientNetEncoder(NAME, pretrained=True)
    with pytest.raises(ValueError, match='head'):
        EfficientNetEncoder(NAME, head='bn')
    with pytest.raises(TypeError, match='not an EfficientNet'):
        EfficientNetEncoder('resnet18')
