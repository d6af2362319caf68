import uuid

import pytest
import torch
from mmengine.logging import MessageHub

from depth.models.losses import GradientLoss
from depth.models.losses.gradient_loss import fill_sparse_depth


@pytest.fixture
def hub():
    """A fresh current MessageHub (as a new training process has), removed
    afterwards so no other test sees its 'iter'."""
    name = f'test_gradient_loss_{uuid.uuid4().hex}'
    instance = MessageHub.get_instance(name)
    yield instance
    MessageHub._instance_dict.pop(name, None)


def _pred_gt():
    pred = torch.tensor([[1., 2., 4.], [1., 3., 5.], [2., 2., 2.]])
    gt = torch.tensor([[1., 1., 1.], [2., 2., 2.], [3., 3., 3.]])
    return pred.view(1, 1, 3, 3), gt.view(1, 1, 3, 3)


def test_hand_computed_dense(hub):
    # Forward differences on the top-left 2x2 (pixels with a right and a
    # lower neighbour):
    #   pred_dx = [[1, 2], [2, 2]], pred_dy = [[0, 1], [1, -1]]
    #   gt_dx = 0, gt_dy = 1
    #   |dx - 0| + |dy - 1| = [[2, 2], [2, 4]] -> mean 2.5 -> x 0.1 = 0.25
    hub.update_info('iter', 100)
    pred, gt = _pred_gt()
    loss = GradientLoss(loss_weight=0.1, start_iter=30)
    assert loss(pred, gt).item() == pytest.approx(0.25)
    # a dense ground truth is not changed by the in-fill
    no_fill = GradientLoss(loss_weight=0.1, start_iter=30, interpolate=False)
    assert no_fill(pred, gt).item() == pytest.approx(0.25)


def test_hand_computed_sparse_pairs(hub):
    hub.update_info('iter', 100)
    pred, gt = _pred_gt()
    gt[0, 0, 1, 1] = 0  # invalid: only pixel (0, 0) keeps both neighbours
    loss = GradientLoss(loss_weight=0.1, interpolate=False)
    assert loss(pred, gt).item() == pytest.approx(0.1 * 2)


def test_sparse_in_filled(hub):
    hub.update_info('iter', 100)
    pred, gt = _pred_gt()
    gt[0, 0, 1, 1] = 0
    # push-pull: the 3x3 map pools (ceil) to 2x2 masked means
    #   top-left {1, 1, 2, -} = 4/3, top-right {1, 2} = 3/2,
    #   bottom-left {3, 3} = 3, bottom-right {3} = 3;
    # the hole (1, 1) is the bilinear upsampling of that 2x2 at its centre,
    # the mean of the four: (4/3 + 3/2 + 3 + 3) / 4 = 53/24
    f = 53. / 24.
    filled = fill_sparse_depth(gt, gt > 0)
    assert filled[0, 0, 1, 1].item() == pytest.approx(f)
    # valid pixels with both neighbours: (0,0), (0,1), (1,0)
    # (0,0): |1 - 0| + |0 - 1| = 2
    # (0,1): |2 - 0| + |1 - (f - 1)| = 2 + (f - 2)
    # (1,0): |2 - (f - 2)| + |1 - 1| = 4 - f
    expected = 0.1 * (2 + 2 + (f - 2) + (4 - f)) / 3  # = 0.2
    assert GradientLoss()(pred, gt).item() == pytest.approx(expected)


def test_fill_sparse_depth():
    torch.manual_seed(0)
    gt = torch.zeros(2, 1, 13, 17)
    gt[0, 0, 5, 9] = 7.
    sparse = torch.rand(13, 17) * 10 + 1
    keep = torch.rand(13, 17) < 0.1
    gt[1, 0][keep] = sparse[keep]
    filled = fill_sparse_depth(gt, gt > 0)
    # a single point fills the whole image with its value
    torch.testing.assert_close(filled[0], torch.full((1, 13, 17), 7.))
    # valid pixels unchanged, holes within the range of the valid values
    torch.testing.assert_close(filled[1, 0][keep], sparse[keep])
    assert filled[1].min() >= sparse[keep].min() - 1e-5
    assert filled[1].max() <= sparse[keep].max() + 1e-5
    # nothing valid: zeros
    assert (fill_sparse_depth(
        torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4,
                                             dtype=torch.bool)) == 0).all()


def test_gate_switches_at_start_iter(hub):
    pred, gt = _pred_gt()
    pred.requires_grad_(True)
    loss = GradientLoss(loss_weight=0.1, start_iter=30)
    # a fresh hub (no 'iter' yet) counts as iteration 0
    assert not loss.is_active()
    for it, expected in [(0, 0.), (29, 0.), (30, 0.25), (31, 0.25)]:
        hub.update_info('iter', it)
        value = loss(pred, gt)
        assert value.item() == pytest.approx(expected)
        assert value.requires_grad  # still attached to the graph
    value.backward()
    assert pred.grad is not None


def test_gate_after_resume(hub):
    """On resume the runner restores its iteration and writes it to the new
    process's MessageHub before the first iteration; the gate follows."""
    pred, gt = _pred_gt()
    loss = GradientLoss(loss_weight=0.1, start_iter=30)
    hub.update_info('iter', 12)
    assert loss(pred, gt).item() == 0
    resumed = MessageHub.get_instance(f'resumed_{uuid.uuid4().hex}')
    try:
        assert MessageHub.get_current_instance() is resumed
        resumed.update_info('iter', 4000)
        assert loss(pred, gt).item() == pytest.approx(0.25)
        resumed.update_info('iter', 29)
        assert loss(pred, gt).item() == 0
    finally:
        MessageHub._instance_dict.pop(resumed.instance_name, None)


def test_nothing_valid_is_zero_with_graph(hub):
    hub.update_info('iter', 100)
    pred = torch.rand(2, 1, 5, 5, requires_grad=True)
    value = GradientLoss()(pred, torch.zeros(2, 1, 5, 5))
    assert value.item() == 0 and value.requires_grad
    value.backward()


def test_bad_arguments():
    with pytest.raises(ValueError, match='loss_name'):
        GradientLoss(loss_name='grad')
    with pytest.raises(ValueError, match='shape'):
        GradientLoss(start_iter=0)(torch.rand(1, 1, 4, 4),
                                   torch.rand(1, 1, 4, 5))
