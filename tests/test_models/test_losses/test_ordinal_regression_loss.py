import math

import pytest
import torch

from depth.models.losses import IntervalCrossEntropyLoss, OrdinalRegressionLoss
from depth.models.losses.ordinal_regression_loss import interval_pixels
from depth.registry import MODELS


def _three_pixels():
    """K = 3; pixels A (label 2), B (label 0), C (invalid), in a row."""
    # channels (2k, 2k+1) per interval k; P_k = sigmoid(y_2k+1 - y_2k)
    a = [0., 0., 1., 0., 0., 2.]  # z = [0, -1, 2]
    b = [1., 0., 0., 0., 0., 0.]  # z = [-1, 0, 0]
    c = [5., -3., 2., 7., -1., 4.]  # anything: invalid
    logits = torch.tensor([a, b, c]).t().reshape(1, 6, 1, 3)
    labels = torch.tensor([[[2, 0, 1]]])
    valid = torch.tensor([[[True, True, False]]])
    return logits, labels, valid


def test_ordinal_loss_hand_computed():
    logits, labels, valid = _three_pixels()
    # theta_A = -(ln P0 + ln P1 + ln(1 - P2)) with P = sigmoid([0, -1, 2])
    #         = ln 2 + ln(1 + e) + ln(1 + e^2)
    theta_a = 0.6931471806 + 1.3132616875 + 2.1269280110
    # theta_B = -(ln(1-P0) + ln(1-P1) + ln(1-P2)), P = sigmoid([-1, 0, 0])
    #         = ln(1 + e^-1) + 2 ln 2
    theta_b = 0.3132616875 + 2 * 0.6931471806
    expected = 0.5 * (theta_a + theta_b) / 2  # 1.458223...
    loss = OrdinalRegressionLoss(loss_weight=0.5)(logits, labels, valid)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(1.4582232, abs=1e-6)


def test_ordinal_loss_ignores_invalid_pixels():
    torch.manual_seed(0)
    k = 5
    logits = torch.randn(2, 2 * k, 6, 7, requires_grad=True)
    labels = torch.randint(0, k, (2, 6, 7))
    valid = torch.rand(2, 6, 7) > 0.4
    loss_fn = OrdinalRegressionLoss()
    loss = loss_fn(logits, labels, valid)
    loss.backward()
    # zero gradient at invalid pixels
    grad = logits.grad.permute(0, 2, 3, 1)
    assert torch.all(grad[~valid] == 0)
    assert grad[valid].abs().sum() > 0
    # perturbed logits and arbitrary (even out-of-range) labels at invalid
    # pixels change nothing
    perturbed = logits.detach().clone()
    noise = torch.randn_like(perturbed) * 100
    mask = (~valid)[:, None].expand_as(perturbed)
    perturbed[mask] += noise[mask]
    bad_labels = labels.clone()
    bad_labels[~valid] = 99
    assert loss_fn(perturbed, bad_labels, valid).item() == pytest.approx(
        loss.item(), rel=1e-6)


def test_ordinal_loss_edge_cases():
    loss_fn = MODELS.build(dict(type='OrdinalRegressionLoss'))
    logits = torch.randn(1, 6, 2, 2, requires_grad=True)
    labels = torch.zeros(1, 2, 2, dtype=torch.long)
    none_valid = torch.zeros(1, 2, 2, dtype=torch.bool)
    zero = loss_fn(logits, labels, none_valid)
    assert zero.item() == 0 and zero.requires_grad
    zero.backward()
    with pytest.raises(ValueError, match='labels must lie'):
        loss_fn(logits, torch.full((1, 2, 2), 3), None)
    with pytest.raises(ValueError, match='multiple of 2'):
        loss_fn(torch.randn(1, 5, 2, 2), labels)
    with pytest.raises(TypeError, match='integer'):
        loss_fn(logits, labels.float())
    with pytest.raises(ValueError, match='loss_name'):
        OrdinalRegressionLoss(loss_name='ord')
    # extreme logits stay finite (log-sigmoid, no log(0))
    big = torch.tensor([[-1e4, 1e4]]).t().reshape(1, 2, 1, 1)
    val = loss_fn(big, torch.zeros(1, 1, 1, dtype=torch.long))
    assert torch.isfinite(val) and val.item() == pytest.approx(2e4)


def test_interval_cross_entropy_hand_computed():
    logits = torch.tensor([[1., 2., 3.], [0., 0., 0.], [9., -9., 4.]])
    logits = logits.t().reshape(1, 3, 1, 3)
    labels = torch.tensor([[[2, 1, 0]]])
    valid = torch.tensor([[[True, True, False]]])
    # -ln softmax: ln(e + e^2 + e^3) - 3 and ln 3
    expected = (0.4076059645 + math.log(3)) / 2
    loss = IntervalCrossEntropyLoss()(logits, labels, valid)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    perturbed = logits.clone()
    perturbed[..., 2] = 123.0
    assert IntervalCrossEntropyLoss()(perturbed, labels, valid).item() == \
        pytest.approx(expected, abs=1e-6)


def test_interval_cross_entropy_complement_terms_hand_computed():
    # softmax of ln p is p: pixel A p = (0.5, 0.3, 0.2), label 0; pixel B
    # p = (0.1, 0.6, 0.3), label 2; pixel C invalid
    a = [math.log(0.5), math.log(0.3), math.log(0.2)]
    b = [math.log(0.1), math.log(0.6), math.log(0.3)]
    c = [9., -9., 4.]
    logits = torch.tensor([a, b, c]).t().reshape(1, 3, 1, 3)
    labels = torch.tensor([[[0, 2, 1]]])
    valid = torch.tensor([[[True, True, False]]])
    # official CE: -ln p_l - sum_{k != l} ln(1 - p_k)
    theta_a = -math.log(0.5) - math.log(0.7) - math.log(0.8)
    theta_b = -math.log(0.3) - math.log(0.9) - math.log(0.4)
    loss = IntervalCrossEntropyLoss(complement_terms=True)
    assert loss(logits, labels, valid).item() == pytest.approx(
        (theta_a + theta_b) / 2, abs=1e-6)
    # default: plain cross-entropy
    assert IntervalCrossEntropyLoss()(logits, labels, valid).item() == \
        pytest.approx((-math.log(0.5) - math.log(0.3)) / 2, abs=1e-6)
    # finite where a p_k rounds to 1 (k != l), and gradients flow
    sharp = torch.tensor([0., 200., 0.]).view(1, 3, 1, 1).requires_grad_()
    value = loss(sharp, torch.tensor([[[0]]]))
    assert torch.isfinite(value) and value.item() > 80
    value.backward()
    assert torch.isfinite(sharp.grad).all()
    built = MODELS.build(
        dict(type='IntervalCrossEntropyLoss', complement_terms=True))
    assert built.complement_terms and built.loss_name == 'loss_ce'


def test_interval_pixels_selects_valid_pixels_in_order():
    logits, labels, valid = _three_pixels()
    y, picked, k = interval_pixels('L', logits.half(), labels, valid, 2)
    assert k == 3 and y.dtype == torch.float32
    # Pixels A and B (C is invalid), their 6 logits each, in raster order.
    torch.testing.assert_close(
        y, torch.tensor([[0., 0., 1., 0., 0., 2.], [1., 0., 0., 0., 0., 0.]]))
    assert picked.tolist() == [2, 0] and picked.dtype == torch.int64
    # No mask: all three; the out-of-range label is only checked where valid.
    assert interval_pixels('L', logits, labels, None, 2)[0].shape == (3, 6)
    labels[0, 0, 2] = 7
    interval_pixels('L', logits, labels, valid, 2)
    with pytest.raises(
            ValueError,
            match=r'IntervalCrossEntropyLoss: labels must lie in \[0, 5\] '
            r'at valid pixels, got \[0, 7\]'):
        IntervalCrossEntropyLoss()(logits, labels)
