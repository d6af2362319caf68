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
