"""A diverging run stops at its first non-finite loss, and no checkpoint
with non-finite weights is ever written."""
from types import SimpleNamespace

import pytest
import torch

from depth.engine.hooks import NonFiniteLossHook, SanitizeCheckpointHook


def test_non_finite_loss_stops_with_iteration_and_terms():
    hook = NonFiniteLossHook()
    runner = SimpleNamespace(iter=41)
    hook.after_train_iter(
        runner,
        0,
        outputs=dict(
            loss=torch.tensor(0.5), **{'decode.loss_sig': torch.tensor(0.5)}))
    with pytest.raises(RuntimeError) as e:
        hook.after_train_iter(
            runner,
            0,
            outputs=dict(
                loss=torch.tensor(float('nan')),
                **{
                    'decode.loss_sig': torch.tensor(float('nan')),
                    'aux.loss_x': torch.tensor(1.0)
                }))
    msg = str(e.value)
    assert 'iteration 42' in msg
    assert 'decode.loss_sig=nan' in msg and 'aux.loss_x=1.0' in msg
    with pytest.raises(RuntimeError, match='inf'):
        hook.after_train_iter(
            runner, 0, outputs=dict(loss=torch.tensor(float('inf'))))


def test_checkpoint_with_non_finite_weights_is_refused():
    hook = SanitizeCheckpointHook()
    runner = SimpleNamespace(iter=7)
    good = dict(state_dict={'w': torch.ones(2), 'n': torch.tensor(3)})
    hook.before_save_checkpoint(runner, good)
    bad = dict(state_dict={
        'w': torch.ones(2),
        'b': torch.tensor([1.0, float('nan')])
    })
    with pytest.raises(
            RuntimeError, match=r"iteration 7: 1 weight tensors.*'b'"):
        hook.before_save_checkpoint(runner, bad)


class _Runner(SimpleNamespace):
    """What the hook uses of a runner."""

    def __init__(self, wrapper, it=0):
        from mmengine.logging import MessageHub
        super().__init__(
            optim_wrapper=wrapper,
            iter=it,
            message_hub=MessageHub.get_instance('test_non_finite_guards'))


def _guarded(max_skips=0, accumulative_counts=1):
    from mmengine.optim import OptimWrapper
    w = torch.nn.Parameter(torch.tensor([4.0, 9.0]))
    wrapper = OptimWrapper(
        torch.optim.SGD([w], lr=0.5), accumulative_counts=accumulative_counts)
    hook = NonFiniteLossHook(max_skips=max_skips)
    runner = _Runner(wrapper)
    hook.before_train(runner)
    return w, wrapper, hook, runner


def _step(w, wrapper, hook, runner, loss):
    wrapper.update_params(loss)
    hook.after_train_iter(runner, 0, outputs=dict(loss=loss.detach()))
    runner.iter += 1


def test_bad_step_is_never_applied_and_stops():
    w, wrapper, hook, runner = _guarded()
    _step(w, wrapper, hook, runner, (w**2).sum() / 2)  # grad = w
    assert torch.equal(w.detach(), torch.tensor([2.0, 4.5]))  # w - 0.5 w
    with pytest.raises(RuntimeError, match='Non-finite loss at iteration 2'):
        _step(w, wrapper, hook, runner, (w * float('nan')).sum())
    assert torch.equal(w.detach(), torch.tensor([2.0, 4.5]))  # unchanged
    assert w.grad is None or not w.grad.any()


def test_non_finite_gradient_norm_with_finite_loss_stops():
    w, wrapper, hook, runner = _guarded()
    with torch.no_grad():
        w[0] = 0.0
    loss = torch.sqrt(w).sum()  # finite (3.0); d/dw sqrt(w) at 0 is inf
    with pytest.raises(RuntimeError, match='Non-finite gradient norm'):
        _step(w, wrapper, hook, runner, loss)
    assert torch.equal(w.detach(), torch.tensor([0.0, 9.0]))


def test_bounded_skips_are_counted_then_stop(caplog):
    w, wrapper, hook, runner = _guarded(max_skips=2)
    nan = float('nan')
    _step(w, wrapper, hook, runner, (w * nan).sum())  # skipped 1
    assert torch.equal(w.detach(), torch.tensor([4.0, 9.0]))
    _step(w, wrapper, hook, runner, (w**2).sum() / 2)  # applied
    assert torch.equal(w.detach(), torch.tensor([2.0, 4.5]))
    _step(w, wrapper, hook, runner, (w * nan).sum())  # skipped 2
    hub = runner.message_hub
    assert hub.get_scalar('train/nonfinite_skips').current() == 2
    with pytest.raises(RuntimeError, match='after 2 skipped steps'):
        _step(w, wrapper, hook, runner, (w * nan).sum())
    assert torch.equal(w.detach(), torch.tensor([2.0, 4.5]))


def test_accumulated_bad_loss_is_caught_at_the_update():
    w, wrapper, hook, runner = _guarded(max_skips=1, accumulative_counts=2)
    wrapper.update_params((w * float('nan')).sum())  # no step yet
    wrapper.update_params((w**2).sum())  # boundary: the first was bad
    assert torch.equal(w.detach(), torch.tensor([4.0, 9.0]))
    assert hook._bad_step == 'loss'


def test_max_skips_must_be_a_count():
    with pytest.raises(ValueError, match='max_skips'):
        NonFiniteLossHook(max_skips=-1)
