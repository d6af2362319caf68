"""The guard that never applies a NaN/inf optimizer step."""
import math
from typing import Dict, Optional

import torch
from mmengine.dist import all_reduce, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper, OptimWrapperDict

from depth.registry import HOOKS


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Never apply an optimizer step whose loss or gradient norm is NaN/inf.

    A diverging run (e.g. a learning rate far too high) otherwise keeps
    logging ``loss: nan``, exits 0 and saves checkpoints whose weights are
    all NaN. Before training, this hook guards every optim wrapper's
    ``update_params``: after the backward pass, and before the optimizer
    step, it checks that the loss and (without a loss scaler) the total
    gradient norm are finite, with one host sync per update. A bad step is
    not applied (the gradients are zeroed); then, at the end of that
    iteration, with the loss terms at hand:

    - ``max_skips=0`` (default): a ``RuntimeError`` names the iteration and
      every loss term and stops training. The weights are those of the last
      good step; checkpoints written before are unaffected.
    - ``max_skips=N``: up to ``N`` bad steps in the run are skipped, each
      with a warning naming the iteration and the terms, and counted in the
      log as ``nonfinite_skips``; the ``N + 1``-th stops training as above.

    With a loss scaler (fp16 ``AmpOptimWrapper``) only the loss is checked:
    overflowing gradients are the scaler's business, which skips those steps
    itself. In distributed training the verdict is all-reduced, so every
    rank skips or stops together.

    Outputs that reach the hook non-finite without passing the guard (a
    model with its own update path) also stop training.

    Args:
        max_skips (int): How many bad steps to skip before stopping.
            Defaults to 0.
    """

    priority = 'HIGH'  # after RuntimeInfoHook, before CheckpointHook

    def __init__(self, max_skips: int = 0) -> None:
        if not isinstance(max_skips, int) or max_skips < 0:
            raise ValueError('NonFiniteLossHook: max_skips must be an int '
                             f'>= 0, got {max_skips!r}')
        self.max_skips = max_skips
        self.num_skipped = 0
        self._bad_step: Optional[str] = None

    def before_train(self, runner) -> None:
        wrappers = runner.optim_wrapper
        if isinstance(wrappers, OptimWrapperDict):
            wrappers = list(wrappers.values())
        elif isinstance(wrappers, OptimWrapper):
            wrappers = [wrappers]
        else:
            return
        for wrapper in wrappers:
            self.guard(wrapper)

    def guard(self, wrapper: OptimWrapper) -> None:
        """Replace ``wrapper.update_params`` by the checked version.

        The replacement does what :meth:`OptimWrapper.update_params` does
        (scale the loss for accumulation, backward, step and zero the
        gradients at accumulation boundaries) and checks before the step.
        """
        if getattr(wrapper, '_nonfinite_guarded', False):
            return
        check_grads = getattr(wrapper, 'loss_scaler', None) is None
        pending = []  # non-finite flags of the accumulated losses

        def update_params(loss: torch.Tensor,
                          step_kwargs: Optional[Dict] = None,
                          zero_kwargs: Optional[Dict] = None) -> None:
            pending.append(~torch.isfinite(loss.detach()).all())
            wrapper.backward(wrapper.scale_loss(loss))
            if not wrapper.should_update():
                return
            loss_bad = torch.stack(pending).any()
            pending.clear()
            grad_bad = torch.zeros_like(loss_bad)
            if check_grads:
                grads = [
                    p.grad for group in wrapper.param_groups
                    for p in group['params'] if p.grad is not None
                ]
                if grads:
                    norm = torch.nn.utils.get_total_norm(grads)
                    grad_bad = ~torch.isfinite(norm.to(loss_bad.device))
            flags = torch.stack([loss_bad, grad_bad]).float()
            if get_world_size() > 1:
                all_reduce(flags, op='max')
            loss_bad, grad_bad = flags.tolist()  # the one host sync
            if loss_bad or grad_bad:
                wrapper.zero_grad(**(zero_kwargs or {}))
                self._bad_step = 'loss' if loss_bad else 'gradient norm'
                return
            wrapper.step(**(step_kwargs or {}))
            wrapper.zero_grad(**(zero_kwargs or {}))

        wrapper.update_params = update_params
        wrapper._nonfinite_guarded = True

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs: Optional[dict] = None) -> None:
        values = {}
        for key, value in (outputs or {}).items():
            if hasattr(value, 'detach'):
                value = value.detach()
            try:
                values[key] = float(value)
            except (TypeError, ValueError, RuntimeError):
                continue  # not a scalar (e.g. images for a logger)
        bad_step, self._bad_step = self._bad_step, None
        if bad_step is None:
            if all(math.isfinite(v) for v in values.values()):
                return
            bad_step = 'loss'
        terms = ', '.join(f'{k}={v}' for k, v in values.items())
        where = (f'Non-finite {bad_step} at iteration {runner.iter + 1}: '
                 f'{terms}')
        if self.num_skipped < self.max_skips:
            self.num_skipped += 1
            runner.message_hub.update_scalar('train/nonfinite_skips',
                                             self.num_skipped)
            print_log(
                f'{where}. Step skipped ({self.num_skipped} of at most '
                f'{self.max_skips}).',
                logger='current',
                level=30)
            return
        skipped = (f' after {self.num_skipped} skipped steps'
                   if self.num_skipped else '')
        raise RuntimeError(
            f'{where}. Training stopped{skipped} (the learning rate may be '
            'too high, or the data hold NaN/inf); the step was not applied '
            'and checkpoints written before this iteration are unaffected. '
            'custom_hooks NonFiniteLossHook(max_skips=N) skips up to N such '
            'steps instead.')
