"""DepthFormerSwin without the conv branch (conv_channels=None): the plain
Swin of BinsFormer."""
import torch

from depth.models.backbones import DepthFormerSwin


def test_plain_swin_outputs_and_keys():
    kw = dict(embed_dims=8, depths=(1, 1, 1, 1), num_heads=(1, 1, 2, 2))
    torch.manual_seed(0)
    plain = DepthFormerSwin(conv_channels=None, **kw).eval()
    torch.manual_seed(0)
    full = DepthFormerSwin(conv_channels=4, **kw).eval()
    assert plain.out_channels == [8, 16, 32, 64]
    assert not any(k.startswith(('conv1', 'bn1')) for k in plain.state_dict())
    full.load_state_dict(plain.state_dict(), strict=False)
    x = torch.randn(1, 3, 45, 70)
    with torch.no_grad():
        outs, ref = plain(x), full(x)
    assert len(outs) == 4 and len(ref) == 5
    for a, b in zip(outs, ref[1:]):
        assert torch.equal(a, b)
    plain.init_weights()  # skips the absent branch
