import math

import pytest
import torch

from depth.models.losses import AttentionKLLoss
from depth.models.losses.attention_kl_loss import downsample_log_depth


def _target_rows(log_d):
    """Eq. (7) by hand: w*_ij = exp(-|a_i - a_j|) / sum_j exp(...)."""
    rows = []
    for a in log_d:
        e = [math.exp(-abs(a - b)) for b in log_d]
        rows.append([v / sum(e) for v in e])
    return torch.tensor(rows)


def test_downsample_masked_log_mean():
    gt = torch.zeros(1, 1, 4, 4)
    gt[0, 0, 0, 0], gt[0, 0, 1, 1] = 2.0, 8.0  # cell (0, 0): 2 valid
    gt[0, 0, 3, 3] = 5.0  # cell (1, 1): 1 valid; cell (0, 1), (1, 0): none
    log_d, valid = downsample_log_depth(gt, (2, 2))
    assert valid.tolist() == [[True, False, False, True]]
    # geometric mean of the valid pixels only: sqrt(2 * 8) = 4
    assert log_d[0, 0].item() == pytest.approx(math.log(4.0))
    assert log_d[0, 3].item() == pytest.approx(math.log(5.0))
    _, valid = downsample_log_depth(gt, (2, 2), min_valid_fraction=0.3)
    assert valid.tolist() == [[True, False, False, False]]


def test_zero_when_prediction_equals_target_positive_otherwise():
    # 1x3 grid, depths 1, e, e^2 -> log depths 0, 1, 2
    gt = torch.tensor([1.0, math.e, math.e**2]).view(1, 1, 1, 3)
    target = _target_rows([0.0, 1.0, 2.0])[None]
    # row 0 = [1, e^-1, e^-2] / (1 + e^-1 + e^-2)
    assert target[0, 0, 0].item() == pytest.approx(0.6652409558)
    loss_fn = AttentionKLLoss(loss_weight=1.0)
    assert loss_fn(target, gt, (1, 3)).item() == pytest.approx(0, abs=1e-6)
    # uniform attention: KL = mean_i (sum_j w* ln w* + ln 3)
    uniform = torch.full((1, 3, 3), 1 / 3)
    expected = (target * target.log()).sum(-1).mean() + math.log(3)
    val = loss_fn(uniform, gt, (1, 3))
    assert val.item() == pytest.approx(expected.item(), abs=1e-6)
    assert val.item() > 0.05
    # d_max cancels in Eq. (7): scaling every depth changes nothing either
    assert loss_fn(target, gt * 7.0, (1, 3)).item() == pytest.approx(
        0, abs=1e-6)
    assert AttentionKLLoss(loss_weight=0.1)(uniform, gt, (1, 3)).item() == \
        pytest.approx(0.1 * expected.item(), abs=1e-7)


def test_invalid_pixels_never_enter():
    torch.manual_seed(0)
    gt = torch.rand(2, 1, 4, 6) * 9 + 1
    gt[0, 0, :2, :2] = 0  # one invalid cell of the 2x3 grid (2x2 pixels)
    gt[1, 0, 2:, 4:] = 0
    attn = torch.softmax(torch.randn(2, 6, 6), dim=-1).requires_grad_()
    loss_fn = AttentionKLLoss()
    base = loss_fn(attn, gt, (2, 3))
    base.backward()
    invalid = [(0, 0), (1, 5)]  # (image, token)
    for b, t in invalid:
        assert torch.all(attn.grad[b, t] == 0)  # invalid row
    perturbed = attn.detach().clone()
    for b, t in invalid:
        perturbed[b, t] = torch.softmax(torch.randn(6), 0)  # invalid row
        # invalid column: any mass, renormalised away
        perturbed[b, :, t] *= 50.0
    assert loss_fn(perturbed, gt, (2, 3)).item() == pytest.approx(
        base.item(), rel=1e-5)
    # the target itself only uses valid columns: prediction = target on the
    # valid cells (arbitrary mass elsewhere) gives zero
    log_d, valid = downsample_log_depth(gt, (2, 3))
    log_t = AttentionKLLoss.target_log_affinity(log_d, log_d, valid)
    pred = torch.where(valid[:, None, :], log_t.exp(),
                       torch.full_like(log_t, 0.3))
    pred = pred / pred.sum(-1, keepdim=True)
    assert loss_fn(pred, gt, (2, 3)).item() == pytest.approx(0, abs=1e-6)
    # without renormalisation, mass on invalid columns counts as error
    raw = AttentionKLLoss(renormalize=False)(pred, gt, (2, 3))
    assert raw.item() > 1e-3


def test_no_valid_pixels_and_gradients_finite():
    gt = torch.zeros(2, 1, 4, 4)
    gt[1, 0, 1:3, 1:3] = 3.0
    gt[1, 0, 0, 0] = 1.0
    logits = torch.randn(2, 4, 4, requires_grad=True)
    attn = torch.softmax(logits, -1)
    loss = AttentionKLLoss()(attn, gt, (2, 2))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    zero = AttentionKLLoss()(attn, torch.zeros(2, 1, 4, 4), (2, 2))
    assert zero.item() == 0 and zero.requires_grad


def test_max_rows_subsamples_valid_rows():
    torch.manual_seed(1)
    gt = torch.rand(1, 1, 3, 3) * 5 + 1
    gt[0, 0, 0, 0] = 0  # token 0 invalid
    attn = torch.softmax(torch.randn(1, 9, 9) * 2, dim=-1)
    full = AttentionKLLoss()(attn, gt, (3, 3))
    assert AttentionKLLoss(max_rows=9)(attn, gt, (3, 3)).item() == \
        pytest.approx(full.item())
    # per-row KL values of the valid rows
    per_row = []
    for t in range(1, 9):
        # KL of row t alone, from the definition
        log_d, valid = downsample_log_depth(gt, (3, 3))
        log_t = AttentionKLLoss.target_log_affinity(log_d[:, t:t + 1], log_d,
                                                    valid)
        log_w = attn[:, t:t + 1].log()
        log_w = log_w - torch.logsumexp(
            log_w.masked_fill(~valid[:, None], float('-inf')), -1, True)
        kl = torch.where(valid[:, None],
                         log_t.exp() * (log_t - log_w),
                         torch.zeros_like(log_w)).sum()
        per_row.append(kl.item())
    assert full.item() == pytest.approx(sum(per_row) / 8, rel=1e-5)
    one = AttentionKLLoss(max_rows=1)
    seen = set()
    for _ in range(40):
        v = one(attn, gt, (3, 3)).item()
        match = [i for i, r in enumerate(per_row) if abs(r - v) < 1e-5]
        assert match, 'a sampled row must be a valid row'
        seen.add(match[0])
    assert len(seen) > 3


def test_bad_input():
    loss_fn = AttentionKLLoss()
    with pytest.raises(ValueError, match='attn_shape'):
        loss_fn(torch.rand(1, 6, 6), torch.rand(1, 1, 4, 4), (2, 2))
    with pytest.raises(ValueError, match=r'\(N, L, L\)'):
        loss_fn(torch.rand(1, 6, 5), torch.rand(1, 1, 4, 4), (2, 3))
    with pytest.raises(ValueError, match='max_rows'):
        AttentionKLLoss(max_rows=0)
