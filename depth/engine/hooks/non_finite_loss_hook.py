import math
from typing import Optional

from mmengine.hooks import Hook

from depth.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training at the first non-finite loss.

    A diverging run (e.g. a learning rate far too high) otherwise keeps
    logging ``loss: nan``, exits 0 and saves checkpoints whose weights are
    all NaN. This hook raises at the first iteration whose total loss (or
    any loss term) is NaN or infinite, naming the iteration and every term,
    before the checkpoint hook of that iteration runs; the last checkpoint
    saved before it stays the last valid one. (No checkpoint with
    non-finite weights is written anyway: see
    :class:`SanitizeCheckpointHook`.)

    The values are the ones mmengine's ``RuntimeInfoHook`` already moved to
    the host for the message hub, so the check adds no device sync.
    """

    priority = 'HIGH'  # after RuntimeInfoHook, before CheckpointHook

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        if not outputs:
            return
        values = {}
        for key, value in outputs.items():
            if hasattr(value, 'detach'):
                value = value.detach()
            try:
                values[key] = float(value)
            except (TypeError, ValueError, RuntimeError):
                continue  # not a scalar (e.g. images for a logger)
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            terms = ', '.join(f'{k}={v}' for k, v in values.items())
            raise RuntimeError(
                f'Non-finite loss at iteration {runner.iter + 1}: {terms}. '
                'Training stopped (the learning rate may be too high, or the '
                'data hold NaN/inf); checkpoints written before this '
                'iteration are unaffected.')
