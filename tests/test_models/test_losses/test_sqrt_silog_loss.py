import math

import pytest
import torch

from depth.models.losses import SigLoss, SqrtSILogLoss


def _pred_gt(h, gt):
    gt = torch.tensor(gt).view(1, 1, 1, -1)
    pred = gt * torch.exp(torch.tensor(h).view(1, 1, 1, -1))
    return pred, gt


def test_hand_computed_pooled():
    # h = (0.1, -0.2, 0.3, 0): mean 0.05, mean(h^2) 0.035
    # sqrt(0.035 - 0.85 * 0.05^2) = sqrt(0.032875); x u = 10
    pred, gt = _pred_gt([0.1, -0.2, 0.3, 0.0], [1., 2., 3., 4.])
    loss = SqrtSILogLoss()
    assert loss.loss_weight == 10.0
    expected = 10 * math.sqrt(0.032875)  # 1.813146...
    assert loss(pred, gt).item() == pytest.approx(expected, rel=1e-5)
    # SigLoss differs: unbiased variance (0.13 / 3) and eps = 1e-3
    sig = SigLoss(loss_weight=10.0, eps=0.0)(pred, gt).item()
    assert sig == pytest.approx(
        10 * math.sqrt(0.13 / 3 + 0.15 * 0.0025), rel=1e-5)
    assert abs(sig - expected) > 0.2


def test_per_image_and_invalid_pixels():
    gt = torch.tensor([[1., 2., 5.], [1., 3., 0.]]).view(2, 1, 1, 3)
    h = torch.tensor([[0.1, -0.1, 0.0], [0.2, 0.2, 0.0]]).view(2, 1, 1, 3)
    h[0, 0, 0, 2] = 0.0  # pixel (0, 2) is valid with h = 0
    pred = gt * torch.exp(h)
    pred[1, 0, 0, 2] = 3.0  # invalid pixel: ignored whatever it is
    # image 0: h = (0.1, -0.1, 0): mean 0, mean(h^2) = 0.02 / 3
    # image 1: h = (0.2, 0.2): mean 0.2, mean(h^2) 0.04 -> 0.04 * 0.15
    per_image = (math.sqrt(0.02 / 3) + math.sqrt(0.006)) / 2 * 10
    assert SqrtSILogLoss(per_image=True)(pred, gt).item() == pytest.approx(
        per_image, rel=1e-5)
    # pooled: h = (0.1, -0.1, 0, 0.2, 0.2): mean 0.08, mean(h^2) 0.02
    pooled = 10 * math.sqrt(0.02 - 0.85 * 0.08**2)
    assert SqrtSILogLoss()(pred, gt).item() == pytest.approx(pooled, rel=1e-5)


def test_scale_invariance_at_lambda_one():
    pred, gt = _pred_gt([0.1, -0.2, 0.3, 0.0], [1., 2., 3., 4.])
    loss = SqrtSILogLoss(lambd=1.0)
    torch.testing.assert_close(loss(pred * 3.7, gt), loss(pred, gt))


def test_empty_mask_is_zero_with_graph():
    leaf = torch.rand(2, 1, 3, 3, requires_grad=True)
    pred = leaf + 0.5
    for per_image in (False, True):
        value = SqrtSILogLoss(per_image=per_image)(pred,
                                                   torch.zeros(2, 1, 3, 3))
        assert value.item() == 0 and value.requires_grad
    # an image without valid pixels is skipped in per-image mode
    gt = torch.zeros(2, 1, 3, 3)
    gt[1] = 2.0
    value = SqrtSILogLoss(per_image=True)(pred, gt)
    assert torch.isfinite(value)
    value.backward()
    assert torch.isfinite(leaf.grad).all()
    assert (leaf.grad[0] == 0).all() and (leaf.grad[1] != 0).any()


def test_bad_arguments():
    with pytest.raises(ValueError, match='loss_name'):
        SqrtSILogLoss(loss_name='silog')
    with pytest.raises(ValueError, match='shape'):
        SqrtSILogLoss()(torch.rand(1, 1, 2, 2), torch.rand(1, 1, 2, 3))
