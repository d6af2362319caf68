import pytest
import torch

from depth.models.losses import BinsChamferLoss


def brute_force_chamfer(centers, gt, min_depth=1e-3):
    """Explicit loops over points; images without valid GT are skipped.

    Built from torch scalars so that autograd gives reference gradients.
    """
    per_image = []
    for c, g in zip(centers, gt.reshape(gt.shape[0], -1)):
        pts = [v for v in g if v >= min_depth]
        if not pts:
            continue
        c_to_p = [min((ck - p)**2 for p in pts) for ck in c]
        p_to_c = [min((p - ck)**2 for ck in c) for p in pts]
        per_image.append(sum(c_to_p) / len(c_to_p) + sum(p_to_c) / len(p_to_c))
    return sum(per_image) / len(per_image)


def test_hand_computed_value():
    # centres {1, 3}; points {1, 2, 4}:
    # centres->points: 0, 1 -> 0.5; points->centres: 0, 1, 1 -> 2/3.
    loss = BinsChamferLoss(loss_weight=0.1)
    centers = torch.tensor([[1.0, 3.0]])
    gt = torch.tensor([[[[1.0, 2.0], [4.0, 0.0]]]])  # 0 is invalid
    assert loss(centers, gt).item() == pytest.approx(0.1 * (0.5 + 2 / 3))
    assert loss.loss_name == 'loss_chamfer'


def test_matches_brute_force_variable_counts():
    torch.manual_seed(0)
    n, k, h, w = 4, 7, 5, 6
    centers = (torch.rand(n, k) * 10).requires_grad_()
    gt = torch.rand(n, 1, h, w) * 10
    # Variable valid counts: 1, ~half, all, and values below min_depth.
    gt[0] = 0
    gt[0, 0, 2, 3] = 4.2
    gt[1][torch.rand(1, h, w) < 0.5] = 0
    gt[3, 0, 0, :3] = 5e-4  # below 1e-3: invalid
    loss = BinsChamferLoss(loss_weight=1.0)
    value = loss(centers, gt)
    (grad, ) = torch.autograd.grad(value, centers)

    ref_centers = centers.detach().clone().requires_grad_()
    ref = brute_force_chamfer(ref_centers, gt)
    (ref_grad, ) = torch.autograd.grad(ref, ref_centers)
    assert value.item() == pytest.approx(ref.item(), rel=1e-5)
    torch.testing.assert_close(grad, ref_grad, rtol=1e-4, atol=1e-6)


def test_unsorted_centers_and_ties():
    centers = torch.tensor([[5.0, 1.0, 3.0, 3.0]])
    gt = torch.tensor([[[[3.0, 3.0, 0.5, 9.0]]]])
    ref = brute_force_chamfer(centers, gt)
    assert BinsChamferLoss(loss_weight=1.0)(centers, gt).item() == \
        pytest.approx(ref.item())


def test_image_without_valid_pixel_is_skipped():
    torch.manual_seed(1)
    centers = (torch.rand(3, 5) * 10).requires_grad_()
    gt = torch.rand(3, 1, 4, 4) * 10
    gt[1] = 0  # no valid pixel
    loss = BinsChamferLoss(loss_weight=1.0)
    value = loss(centers, gt)
    assert torch.isfinite(value)
    # The mean is over the two images that have points.
    ref = brute_force_chamfer(centers.detach(), gt)
    assert value.item() == pytest.approx(ref.item(), rel=1e-5)
    value.backward()
    assert torch.isfinite(centers.grad).all()
    assert (centers.grad[1] == 0).all()


def test_no_valid_pixel_at_all():
    centers = torch.rand(2, 5, requires_grad=True)
    value = BinsChamferLoss()(centers, torch.zeros(2, 1, 3, 3))
    assert value.item() == 0.0
    assert value.requires_grad
    value.backward()
    assert (centers.grad == 0).all()


def test_gt_without_channel_dim_and_weight():
    torch.manual_seed(2)
    centers = torch.rand(2, 6) * 10
    gt = torch.rand(2, 4, 5) * 10
    v1 = BinsChamferLoss(loss_weight=1.0)(centers, gt)
    v2 = BinsChamferLoss(loss_weight=0.1)(centers, gt[:, None])
    assert v2.item() == pytest.approx(0.1 * v1.item(), rel=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match='loss_name'):
        BinsChamferLoss(loss_name='chamfer')
    with pytest.raises(ValueError, match=r'\(N, K\)'):
        BinsChamferLoss()(torch.rand(5), torch.rand(1, 1, 2, 2))
    with pytest.raises(ValueError, match='batch size'):
        BinsChamferLoss()(torch.rand(2, 5), torch.rand(3, 1, 2, 2))
