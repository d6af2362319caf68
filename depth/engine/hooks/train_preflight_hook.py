"""Checks before the first training iteration (resume past the end, no
valid depth)."""
import random
from typing import List

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import print_log

from depth.registry import HOOKS


@HOOKS.register_module()
class TrainPreflightHook(Hook):
    """Refuse, before the first iteration, a run that would train nothing.

    - **Resume past the end.** A run resumed (or loaded) at an iteration not
      below ``train_cfg.max_iters`` would exit having done nothing; this
      raises instead, naming both numbers.
    - **No depth to learn from.** Up to ``num_samples`` training samples,
      spread evenly over the training set, are passed through its pipeline;
      if none has a valid depth pixel (finite and > 0) the losses would be
      0 at every step, and this raises, naming the depth files checked.
      Sampled depth maps without a valid pixel among valid ones are counted
      in a warning. Python's, NumPy's and torch's random states are
      restored afterwards, so the check does not change the run.

    Args:
        num_samples (int): How many training samples to check; 0 turns the
            depth check off. Defaults to 16.
    """

    priority = 'LOW'

    def __init__(self, num_samples: int = 16) -> None:
        self.num_samples = num_samples

    def before_train(self, runner) -> None:
        max_iters = runner.max_iters
        if runner.iter >= max_iters:
            raise RuntimeError(
                f'The run starts at iteration {runner.iter} (resumed from '
                f'{runner.message_hub.get_info("last_ckpt") or "a checkpoint"}'
                f'), which is not below train_cfg.max_iters={max_iters}: '
                'there is nothing to train. Raise train_cfg.max_iters (and '
                "the schedulers' end) to train further, or evaluate the "
                'checkpoint with tools/test.py.')
        if self.num_samples > 0:
            self._check_depth(runner.train_dataloader.dataset)

    def _check_depth(self, dataset) -> None:
        n = len(dataset)
        if n == 0:
            return  # the dataset itself reports an empty split
        idx = np.unique(
            np.linspace(0, n - 1, min(n,
                                      self.num_samples)).round().astype(int))
        states = (random.getstate(), np.random.get_state(),
                  torch.get_rng_state())
        empty: List[str] = []
        try:
            for i in idx.tolist():
                sample = dataset[int(i)]['data_samples']
                if 'gt_depth_map' not in sample:
                    return  # not a supervised dataset: nothing to check
                gt = sample.gt_depth_map.data
                if not bool(((gt > 0) & torch.isfinite(gt)).any()):
                    empty.append(self._name(dataset, int(i)))
        finally:
            random.setstate(states[0])
            np.random.set_state(states[1])
            torch.set_rng_state(states[2])
        if len(empty) == len(idx):
            raise RuntimeError(
                f'No valid depth in the training set: none of the {len(idx)} '
                f'sampled training samples (of {n}) has a depth pixel > 0 '
                f'after the pipeline, e.g. {empty[:3]}; every loss would be '
                'zero. Check the depth files, depth_scale and the crops (or '
                'set TrainPreflightHook(num_samples=0) to skip this check).')
        if empty:
            print_log(
                f'TrainPreflightHook: {len(empty)} of {len(idx)} sampled '
                f'training samples have no valid depth pixel, e.g. '
                f'{empty[:3]}',
                logger='current',
                level=30)

    @staticmethod
    def _name(dataset, i: int) -> str:
        try:
            info = dataset.get_data_info(i)
        except Exception:  # noqa: BLE001 (wrappers without get_data_info)
            return f'sample {i}'
        return str(
            info.get('depth_map_path') or info.get('img_path')
            or f'sample {i}')
