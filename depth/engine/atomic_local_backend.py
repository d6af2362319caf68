"""A local file backend with atomic writes (temporary file, fsync, rename)."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.utils import mkdir_or_exist

#: Prefix and suffix of the temporary files; a kill can leave one behind,
#: which :class:`~depth.engine.hooks.AtomicCheckpointHook` removes.
TMP_PREFIX, TMP_SUFFIX = '.', '.partial'


class AtomicLocalBackend(LocalBackend):
    """A local file backend whose writes are atomic.

    ``put`` and ``put_text`` write to a temporary file in the target's
    folder (``.<name>.<random>.partial``), flush and ``fsync`` it, and
    ``os.replace`` it onto the target, then ``fsync`` the folder. A process
    killed at any moment leaves either the old file or the new one, never
    a truncated one. Registered as ``backend='atomic_local'`` for mmengine's
    ``get_file_backend`` (and so for ``runner.save_checkpoint``).
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        mkdir_or_exist(folder)
        fd, tmp = tempfile.mkstemp(
            dir=folder,
            prefix=f'{TMP_PREFIX}{osp.basename(filepath)}.',
            suffix=TMP_SUFFIX)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
        _fsync_dir(folder)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


def _fsync_dir(folder: str) -> None:
    """Make a rename in ``folder`` durable (a no-op where folders cannot be
    opened, e.g. on Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


register_backend('atomic_local', AtomicLocalBackend, force=True)
