import math

import pytest
import torch

from depth.models.layers import ContextAggregationModule


def test_attention_hand_computed():
    # identity query/key embedding without norm/activation: phi(x) = x
    cam = ContextAggregationModule(
        2,
        key_channels=2,
        value_channels=2,
        image_pool=False,
        norm_cfg=None,
        act_cfg=None)
    with torch.no_grad():
        cam.query_key.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
        cam.query_key.conv.bias.zero_()
        cam.value.conv.weight.copy_(torch.eye(2).view(2, 2, 1, 1))
        cam.value.conv.bias.zero_()
    x = torch.tensor([[1., 0.], [0., 2.]]).t().reshape(1, 2, 1, 2)
    out, attn = cam(x)
    # scores [[1, 0], [0, 4]] / sqrt(2)
    r0 = 1 / (1 + math.exp(-1 / math.sqrt(2)))
    r1 = 1 / (1 + math.exp(4 / math.sqrt(2)))
    expected = torch.tensor([[r0, 1 - r0], [r1, 1 - r1]])
    assert torch.allclose(attn[0], expected, atol=1e-6)
    assert expected[0, 0].item() == pytest.approx(0.6697615, abs=1e-6)
    # context c_i = sum_j w_ij x_j
    assert torch.allclose(
        out[0, :, 0, :].t(), expected @ x[0, :, 0, :].t(), atol=1e-6)


def test_shapes_shared_query_key_and_image_pool():
    torch.manual_seed(0)
    cam = ContextAggregationModule(
        16, key_channels=8, value_channels=12, pool_channels=4)
    assert cam.out_channels == 16
    # one shared embedding for query and key
    assert not hasattr(cam, 'query') and not hasattr(cam, 'key')
    x = torch.randn(2, 16, 5, 7)
    out, attn = cam(x)
    assert out.shape == (2, 16, 5, 7) and attn.shape == (2, 35, 35)
    assert torch.allclose(attn.sum(-1), torch.ones(2, 35), atol=1e-5)
    # attention map = softmax(phi(x)^T phi(x) / sqrt(C_K))
    phi = cam.query_key(x).flatten(2)
    ref = torch.softmax(phi.transpose(1, 2) @ phi / math.sqrt(8), -1)
    assert torch.allclose(attn, ref, atol=1e-6)
    # image pooling: constant over space, = conv(mean(x))
    pooled = out[:, 12:]
    assert torch.allclose(pooled, pooled[..., :1, :1].expand_as(pooled))
    ref_pool = cam.image_pool[1](x.mean((2, 3), keepdim=True))
    assert torch.allclose(pooled[..., 0, 0], ref_pool[..., 0, 0], atol=1e-6)
    out.sum().backward()


def test_without_image_pool_and_batch_of_one():
    cam = ContextAggregationModule(
        8, key_channels=4, value_channels=6, image_pool=False)
    out, _ = cam(torch.randn(1, 8, 3, 4))
    assert out.shape == (1, 6, 3, 4)
    cam = ContextAggregationModule(
        8, key_channels=4, value_channels=6, pool_channels=2).train()
    out, _ = cam(torch.randn(1, 8, 3, 4))  # no BN on the 1x1 pooled map
    assert out.shape == (1, 8, 3, 4)
    with pytest.raises(ValueError, match='expected'):
        cam(torch.randn(1, 7, 3, 4))


def test_official_value_embedding_hand_computed():
    # psi = 3x3 conv (ones, zero padding) + ReLU + 1x1 conv (w 1, b -1) +
    # ReLU; query/key weights 0 -> uniform attention: the context is the
    # mean of psi(x) over the pixels
    cam = ContextAggregationModule(
        1,
        key_channels=1,
        value_channels=1,
        image_pool=False,
        value_type='conv3x3_conv1x1',
        norm_cfg=None)
    first, second = cam.value[0], cam.value[1]
    assert first.conv.kernel_size == (3, 3) and first.conv.padding == (1, 1)
    assert first.norm_cfg is None and second.norm_cfg is None
    assert first.conv.bias is not None and second.conv.bias is not None
    with torch.no_grad():
        cam.query_key.conv.weight.zero_()
        cam.query_key.conv.bias.zero_()
        first.conv.weight.fill_(1.)
        first.conv.bias.zero_()
        second.conv.weight.fill_(1.)
        second.conv.bias.fill_(-1.)
    out, attn = cam(torch.ones(1, 1, 3, 3))
    assert torch.allclose(attn, torch.full((1, 9, 9), 1 / 9))
    # box sums: corners 4, edges 6, centre 9 -> minus 1: 3, 5, 8
    # mean = (4 * 3 + 4 * 5 + 8) / 9 = 40 / 9
    assert torch.allclose(out, torch.full((1, 1, 3, 3), 40 / 9))


def test_official_image_pool_fc_hand_computed():
    cam = ContextAggregationModule(
        2, key_channels=2, value_channels=3, pool_channels=2, pool_type='fc')
    assert cam.out_channels == 5
    drop, fc1, fc2 = cam.image_pool[2], cam.image_pool[3], cam.image_pool[5]
    assert isinstance(drop, torch.nn.Dropout) and drop.p == 0.5
    assert (fc1.in_features, fc1.out_features) == (2, 2)
    assert (fc2.in_features, fc2.out_features) == (2, 2)
    with torch.no_grad():
        fc1.weight.copy_(torch.tensor([[1., 0.], [0., -1.]]))
        fc1.bias.zero_()
        fc2.weight.copy_(torch.tensor([[1., 1.], [0., 1.]]))
        fc2.bias.copy_(torch.tensor([0., 1.]))
    cam.eval()
    # channel means (2, 3): relu(W1 m) = (2, 0); relu(W2 (2, 0) + b) = (2, 1)
    x = torch.stack([torch.full((4, 5), 2.), torch.full((4, 5), 3.)])[None]
    out, _ = cam(x)
    assert torch.allclose(out[0, 3:, 0, 0], torch.tensor([2., 1.]))
    assert torch.allclose(out[:, 3:], out[:, 3:, :1, :1].expand(1, 2, 4, 5))
    # dropout active in training; batch of one works (no norm)
    cam.train()
    out, _ = cam(torch.randn(1, 2, 3, 4))
    assert out.shape == (1, 5, 3, 4)
    cam = ContextAggregationModule(
        2, pool_channels=2, pool_type='fc', pool_dropout_ratio=0.)
    assert cam.image_pool[2].p == 0.


def test_layout_option_errors():
    with pytest.raises(ValueError, match='value_type'):
        ContextAggregationModule(4, value_type='conv3x3')
    with pytest.raises(ValueError, match='pool_type'):
        ContextAggregationModule(4, pool_type='gap')
    with pytest.raises(ValueError, match='pool_dropout_ratio'):
        ContextAggregationModule(4, pool_type='fc', pool_dropout_ratio=1.)
