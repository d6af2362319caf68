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
