"""Loading our checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``: only
tensors, containers and allow-listed classes can be unpickled, so a
checkpoint can never run code. mmengine 0.10.x's resume checkpoints also
hold the message hub's ``HistoryBuffer`` objects (numpy arrays inside), so
we allow-list exactly those types; ``SanitizeCheckpointHook`` removes the
remaining non-data entries (bound methods in scheduler states) before a
checkpoint is written and stores the message hub's buffers as
:class:`DataOnlyHistoryBuffer`. We never load with ``weights_only=False``.
"""
import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer


class DataOnlyHistoryBuffer(HistoryBuffer):
    """A ``HistoryBuffer`` that pickles only its data.

    mmengine's ``HistoryBuffer.__getstate__`` adds its statistics functions
    to the pickle (``getattr(HistoryBuffer, 'min')``...), which
    ``weights_only`` loading rightly refuses. The functions live on the
    class anyway, so nothing is lost by leaving them out.
    """

    def __getstate__(self) -> dict:
        return {
            k: v
            for k, v in self.__dict__.items() if k != 'statistics_methods'
        }

    @classmethod
    def from_buffer(cls, buffer: HistoryBuffer) -> 'DataOnlyHistoryBuffer':
        """Copy ``buffer``'s data into a ``DataOnlyHistoryBuffer``."""
        new = cls.__new__(cls)
        new.__dict__.update({
            k: v
            for k, v in buffer.__dict__.items() if k != 'statistics_methods'
        })
        return new


def checkpoint_safe_globals() -> list:
    """The classes and functions a checkpoint of ours may contain besides
    tensors and containers."""
    safe = [
        HistoryBuffer,
        DataOnlyHistoryBuffer,
        np.ndarray,
        np.dtype,
    ]
    core = getattr(np, '_core', None) or np.core  # numpy 2.x / 1.x
    safe += [core.multiarray._reconstruct, core.multiarray.scalar]
    # numpy >= 1.25 pickles dtypes as instances of numpy.dtypes.*DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, name) for name in dir(dtypes) if
            name.endswith('DType') and isinstance(getattr(dtypes, name), type)
        ]
    return safe


def register_checkpoint_safe_globals() -> None:
    """Allow-list :func:`checkpoint_safe_globals` for ``torch.load``."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch >= 2.4
        add(checkpoint_safe_globals())
