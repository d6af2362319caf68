"""mmengine's CheckpointHook with atomic files and safe removal order."""
import glob
import os
import os.path as osp
from typing import Dict, Optional

from mmengine.dist import is_main_process
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from depth.engine.atomic_local_backend import TMP_PREFIX, TMP_SUFFIX
from depth.registry import HOOKS


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's :class:`CheckpointHook` whose files are never half-written.

    - Checkpoints (regular and best) go through the ``atomic_local`` file
      backend (:class:`~depth.engine.atomic_local_backend.
      AtomicLocalBackend`: temporary file, ``fsync``, rename) unless
      ``backend_args`` names another backend.
    - ``last_checkpoint`` is written the same way, after the checkpoint it
      names is in place.
    - The outdated regular checkpoint (``max_keep_ckpts``) and the previous
      best checkpoint are removed only after the new one is in place
      (mmengine removes them first, so a kill while saving can leave no
      valid best checkpoint at all).
    - Temporary files left by a killed run are removed before training.

    A process killed at any moment thus leaves the previous best and last
    checkpoints loadable, and ``--resume`` continues from them. Arguments
    are those of :class:`CheckpointHook`.
    """

    def __init__(self, *args, backend_args: Optional[dict] = None, **kwargs):
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not is_main_process():
            return
        stale = glob.glob(
            osp.join(glob.escape(self.out_dir), f'{TMP_PREFIX}*{TMP_SUFFIX}'))
        stale += glob.glob(
            osp.join(
                glob.escape(runner.work_dir),
                f'{TMP_PREFIX}last_checkpoint.*{TMP_SUFFIX}'))
        for path in sorted(set(stale)):
            os.remove(path)
        if stale:
            print_log(
                f'AtomicCheckpointHook: removed {len(set(stale))} partial '
                'checkpoint files of an interrupted save',
                logger='current')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        # mmengine removes the outdated checkpoint before writing the new
        # one: do its bookkeeping here, and remove the file afterwards.
        outdated = None
        max_keep = self.max_keep_ckpts
        ids = getattr(self, 'keep_ckpt_ids', None)
        if max_keep > 0 and not (ids and ids[-1] == step):
            if len(ids) == max_keep:
                outdated = ids.popleft()
            ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(ids))
        self.max_keep_ckpts = -1  # super(): no bookkeeping, no removal
        try:
            super()._save_checkpoint_with_step(runner, step, meta)
        finally:
            self.max_keep_ckpts = max_keep
        if not is_main_process():
            return
        # super() wrote last_checkpoint with a plain open(): rewrite it
        # atomically (both name the checkpoint just saved, which is in
        # place, so either version is valid).
        get_file_backend(backend_args=dict(backend='atomic_local')).put_text(
            self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))
        if outdated is not None:
            self._remove(
                self.file_backend.join_path(
                    self.out_dir, self.filename_tmpl.format(outdated)))

    def _save_best_checkpoint(self, runner, metrics: Dict) -> None:
        if not self.save_best:
            return
        # Hide the previous best paths from super() so it does not delete
        # them before the new best is written; delete them afterwards.
        single = len(self.key_indicators) == 1
        paths = (
            dict(best=self.best_ckpt_path)
            if single else self.best_ckpt_path_dict)
        previous = dict(paths)
        self._set_best_paths(dict.fromkeys(previous))
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            current = (
                dict(best=self.best_ckpt_path)
                if single else dict(self.best_ckpt_path_dict))
            kept = {}
            for key, old in previous.items():
                new = current.get(key)
                kept[key] = old if new is None else new  # None: not improved
                if new is not None and old and old != new and \
                        is_main_process():
                    self._remove(old)
                    print_log(
                        f'The previous best checkpoint {old} is removed',
                        logger='current')
            self._set_best_paths(kept)

    def _set_best_paths(self, paths: Dict) -> None:
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = paths['best']
        else:
            self.best_ckpt_path_dict.update(paths)

    def _remove(self, path: str) -> None:
        if self.file_backend.isfile(path):
            self.file_backend.remove(path)
        elif self.file_backend.isdir(path):
            self.file_backend.rmtree(path)
