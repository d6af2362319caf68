import math

import pytest
import torch
from mmengine.logging import MessageHub

from depth.models.losses import SigLoss


def _hand_sig(pred, gt, lambd=0.85, eps=1e-3, warm=False):
    g = [math.log(p + eps) - math.log(t + eps) for p, t in zip(pred, gt)]
    n = len(g)
    mean = sum(g) / n
    var = sum((x - mean)**2 for x in g) / (n - 1)  # unbiased
    if warm:
        return math.sqrt((1 - lambd) * mean**2)
    return math.sqrt(var + (1 - lambd) * mean**2)


def test_sig_loss_hand_computed():
    # Two images pooled; zeros in gt are invalid and ignored.
    pred = torch.tensor([
        [[[1.0, 2.0], [4.0, 7.0]]],
        [[[3.0, 3.0], [1.0, 9.0]]],
    ])
    gt = torch.tensor([
        [[[1.5, 2.0], [0.0, 5.0]]],
        [[[2.0, 0.0], [1.0, 10.0]]],
    ])
    valid = [(1.0, 1.5), (2.0, 2.0), (7.0, 5.0), (3.0, 2.0), (1.0, 1.0),
             (9.0, 10.0)]
    expected = _hand_sig([p for p, _ in valid], [t for _, t in valid])
    loss = SigLoss(loss_weight=1.0)(pred, gt)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # Weight scales linearly.
    loss10 = SigLoss(loss_weight=10.0)(pred, gt)
    assert loss10.item() == pytest.approx(10 * expected, rel=1e-5)


def test_sig_loss_known_number():
    # pred = e * gt everywhere (eps=0): g = 1 for all pixels, Var = 0,
    # loss = sqrt(0.15 * 1) = 0.3872983...
    gt = torch.tensor([1.0, 2.0, 3.0, 4.0]).view(1, 1, 2, 2)
    loss = SigLoss(eps=0.0)(gt * math.e, gt)
    assert loss.item() == pytest.approx(math.sqrt(0.15), rel=1e-6)


def test_sig_loss_max_depth_mask():
    pred = torch.tensor([1.0, 2.0, 50.0]).view(1, 1, 1, 3)
    gt = torch.tensor([2.0, 2.0, 90.0]).view(1, 1, 1, 3)
    loss = SigLoss(max_depth=80)(pred, gt)
    assert loss.item() == pytest.approx(
        _hand_sig([1.0, 2.0], [2.0, 2.0]), rel=1e-5)


def test_sig_loss_warm_up_follows_message_hub():
    pred = torch.tensor([1.0, 2.0, 4.0, 3.0]).view(1, 1, 2, 2)
    gt = torch.tensor([2.0, 2.0, 3.0, 1.0]).view(1, 1, 2, 2)
    loss_fn = SigLoss(warm_up=True, warm_iter=100)
    hub = MessageHub.get_current_instance()
    hub.update_info('iter', 0)
    warm = loss_fn(pred, gt).item()
    hub.update_info('iter', 99)
    assert loss_fn(pred, gt).item() == pytest.approx(warm)
    assert warm == pytest.approx(
        _hand_sig([1, 2, 4, 3], [2, 2, 3, 1], warm=True), rel=1e-5)
    # Iteration 100 (e.g. right after resuming there): full loss.
    hub.update_info('iter', 100)
    full = loss_fn(pred, gt).item()
    assert full == pytest.approx(
        _hand_sig([1, 2, 4, 3], [2, 2, 3, 1]), rel=1e-5)
    assert full > warm
    # Calls do not advance the warm-up (the original counted calls).
    hub.update_info('iter', 5)
    for _ in range(200):
        loss_fn(pred, gt)
    assert loss_fn(pred, gt).item() == pytest.approx(warm)


@pytest.mark.parametrize('n_valid', [0, 1])
def test_sig_loss_empty_mask_is_finite_zero_with_grad(n_valid):
    pred = torch.rand(2, 1, 4, 4, requires_grad=True)
    gt = torch.zeros(2, 1, 4, 4)
    if n_valid:
        gt[0, 0, 0, 0] = 3.0
    loss = SigLoss()(pred, gt)
    assert torch.isfinite(loss) and loss.item() == 0.0
    loss.backward()
    assert pred.grad is not None and torch.all(pred.grad == 0)


def test_sig_loss_float32_under_autocast():
    pred = torch.rand(1, 1, 8, 8) + 0.5
    gt = torch.rand(1, 1, 8, 8) + 0.5
    ref = SigLoss()(pred, gt)
    with torch.autocast(device_type='cpu', dtype=torch.bfloat16):
        out = SigLoss()(pred.bfloat16(), gt)
    assert out.dtype == torch.float32
    assert out.item() == pytest.approx(ref.item(), rel=2e-2)


def test_sig_loss_shape_mismatch_raises():
    with pytest.raises(ValueError, match='shape'):
        SigLoss()(torch.ones(1, 1, 2, 2), torch.ones(1, 1, 2, 3))


def test_sig_loss_name_must_start_with_loss():
    with pytest.raises(ValueError, match='loss_'):
        SigLoss(loss_name='sig')


def test_sig_loss_population_variance_is_depth_anything_v2_silog():
    """unbiased=False, eps=0, lambd=0.5: Depth Anything V2's SiLogLoss,
    sqrt(mean(d^2) - 0.5 mean(d)^2), d = log(gt) - log(pred), computed by
    hand over the valid pixels (0 < gt <= max_depth)."""
    g = torch.Generator().manual_seed(3)
    pred = torch.rand(2, 1, 5, 6, generator=g) * 20 + 0.1
    gt = torch.rand(2, 1, 5, 6, generator=g) * 25
    gt[0, 0, 0] = 0
    mask = (gt > 0) & (gt <= 20)
    d = torch.log(gt[mask]) - torch.log(pred[mask])
    expected = torch.sqrt((d**2).mean() - 0.5 * d.mean()**2)
    loss = SigLoss(lambd=0.5, eps=0., unbiased=False, max_depth=20)(pred, gt)
    torch.testing.assert_close(loss, expected)
    # the default (unbiased) differs by the n / (n - 1) variance factor
    n = d.numel()
    var = d.var(unbiased=False)
    unbiased = SigLoss(lambd=0.5, eps=0., max_depth=20)(pred, gt)
    torch.testing.assert_close(
        unbiased, torch.sqrt(var * n / (n - 1) + 0.5 * d.mean()**2))


def test_per_image_averages_the_maps_hand_computed():
    from depth.models.losses import SigLoss

    # image 0: g = ln 2 at two pixels -> var 0, loss sqrt(0.5) ln 2;
    # image 1: g = 0, ln 4 -> mean ln 2, biased var (ln 2)^2,
    #          loss sqrt((ln 2)^2 + 0.5 (ln 2)^2) = sqrt(1.5) ln 2
    pred = torch.tensor([[[[2., 2.]]], [[[1., 4.]]]])
    gt = torch.ones_like(pred)
    loss = SigLoss(lambd=0.5, eps=0., unbiased=False, per_image=True)
    ln2 = math.log(2)
    want = (math.sqrt(0.5) * ln2 + math.sqrt(1.5) * ln2) / 2
    assert loss(pred, gt).item() == pytest.approx(want, rel=1e-6)
    # a map without valid pixels is left out of the mean
    gt2 = gt.clone()
    gt2[1] = 0
    assert loss(pred, gt2).item() == pytest.approx(
        math.sqrt(0.5) * ln2, rel=1e-6)


def test_sqrt_silog_is_sig_loss_biased_without_eps():
    from depth.models.losses import SigLoss, SqrtSILogLoss
    g = torch.Generator().manual_seed(0)
    pred = torch.rand(2, 1, 5, 7, generator=g) * 9 + 1
    gt = torch.rand(2, 1, 5, 7, generator=g) * 9 + 1
    gt[0, 0, :2] = 0
    for per_image in (False, True):
        a = SqrtSILogLoss(per_image=per_image)(pred, gt)
        b = SigLoss(
            loss_weight=10., eps=0., unbiased=False, per_image=per_image)(pred,
                                                                          gt)
        assert torch.allclose(a, b)
    assert isinstance(SqrtSILogLoss(), SigLoss)


def test_loss_name_checked_by_the_base_class():
    from depth.models.losses import GradientLoss, OrdinalRegressionLoss
    for cls in (SigLoss, GradientLoss, OrdinalRegressionLoss):
        with pytest.raises(
                ValueError, match=f"{cls.__name__}: loss_name must start"):
            cls(loss_name='sig')
