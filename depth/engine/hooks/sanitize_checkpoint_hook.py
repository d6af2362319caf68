"""Checkpoints that load with ``weights_only=True`` and hold finite weights."""
from typing import Any, Dict

import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer, print_log

from depth.registry import HOOKS
from depth.utils.checkpoint import DataOnlyHistoryBuffer


def _is_data(value: Any) -> bool:
    """Whether ``value`` is plain data (no function, method or class that
    would need code to be unpickled)."""
    return not callable(value)


@HOOKS.register_module()
class SanitizeCheckpointHook(Hook):
    """Drop code-like entries from a checkpoint before it is saved, so it
    loads with ``torch.load(weights_only=True)`` on torch >= 2.6.

    - mmengine's parameter schedulers save their whole ``__dict__``, which
      for ``OneCycleLR`` includes a bound method (``anneal_func``); pickling
      it pickles the scheduler object itself. Those entries are rebuilt by
      the scheduler's constructor on resume, so dropping them loses nothing.
    - The message hub's ``HistoryBuffer`` objects pickle their statistics
      functions; they are stored as
      :class:`~depth.utils.checkpoint.DataOnlyHistoryBuffer` instead.

    It also refuses to save weights that are not finite (a ``RuntimeError``
    naming the first tensors), so no checkpoint, ``best`` or otherwise,
    ever holds NaN or infinite weights.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: Dict) -> None:
        state = checkpoint.get('state_dict') or {}
        bad = [
            k for k, v in state.items() if isinstance(v, torch.Tensor)
            and v.is_floating_point() and not bool(torch.isfinite(v).all())
        ]
        if bad:
            raise RuntimeError(
                f'Refusing to save a checkpoint at iteration {runner.iter}: '
                f'{len(bad)} weight tensors are not finite, e.g. {bad[:5]}')
        hub = checkpoint.get('message_hub')
        if isinstance(hub, dict) and isinstance(hub.get('log_scalars'), dict):
            hub['log_scalars'] = {
                k:
                DataOnlyHistoryBuffer.from_buffer(v) if isinstance(
                    v, HistoryBuffer) else v
                for k, v in hub['log_scalars'].items()
            }
        states = checkpoint.get('param_schedulers')
        if states is None:
            return
        groups = states.values() if isinstance(states, dict) else [states]
        dropped = set()
        for group in groups:
            for state in group:
                for key in [k for k, v in state.items() if not _is_data(v)]:
                    dropped.add(key)
                    del state[key]
        if dropped:
            print_log(
                'SanitizeCheckpointHook: dropped non-data scheduler state '
                f'entries {sorted(dropped)} (rebuilt on resume)',
                logger='current',
                level=10)
