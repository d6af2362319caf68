"""Reading released checkpoints safely and writing converted ones.

Released files are read with ``torch.load(weights_only=True)``: only
tensors, Python containers and the few allow-listed numpy types can be
unpickled, so a file can never run code. The allow-list is the smallest
that the real release layouts need:

- the original Monocular-Depth-Estimation-Toolbox (mmcv 1.x
  ``save_checkpoint``): ``meta`` (strings, ints, the config text, hook
  messages whose best scores are numpy float64 scalars), ``state_dict`` and
  possibly ``optimizer``;
- the official AdaBins releases: ``{'model', 'optimizer', 'epoch'}``.

numpy scalars pickle as ``numpy.core.multiarray.scalar`` plus a dtype, so
those (and the dtype classes of numpy >= 1.25) are all that is allowed. A
file holding anything else is refused with a message naming the type.
"""
import os
import os.path as osp
import pickle
import re
from typing import Dict, Iterable, List, Optional

import numpy as np
import torch
from torch import Tensor


def _numpy_scalar_globals() -> list:
    core = getattr(np, '_core', None) or np.core  # numpy 2.x / 1.x
    safe = [core.multiarray.scalar, np.dtype]
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:  # numpy >= 1.25 pickles dtypes by class
        safe += [
            getattr(dtypes, name)
            for name in ('Float64DType', 'Float32DType', 'Int64DType',
                         'Int32DType', 'BoolDType') if hasattr(dtypes, name)
        ]
    return safe


#: The repository root and its ``configs/`` folder (release configs).
REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_ROOT = osp.join(REPO_ROOT, 'configs')

#: Non-tensor globals a released checkpoint may contain.
RELEASE_SAFE_GLOBALS = _numpy_scalar_globals()


def load_release(path: str) -> dict:
    """Read a released checkpoint with ``weights_only=True``.

    Args:
        path (str): Local file.

    Returns:
        dict: The unpickled top-level object.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file is empty, not a checkpoint, holds a type
            outside :data:`RELEASE_SAFE_GLOBALS` (named in the message) or
            is not a dict.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint file')
    if os.path.getsize(path) == 0:
        raise ValueError(f'{path}: the file is empty (an interrupted '
                         'download?)')
    # torch's safe_globals context removes on exit what it added, even
    # globals that were registered before (ours, by ``import depth``): add
    # only the missing ones, so the process-wide allow-list stays intact.
    registered = set(torch.serialization.get_safe_globals())
    extra = [g for g in RELEASE_SAFE_GLOBALS if g not in registered]
    try:
        with torch.serialization.safe_globals(extra):
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as e:
        found = re.search(r'GLOBAL ([\w.]+)', str(e))
        what = found.group(1) if found else str(e).splitlines()[0]
        raise ValueError(
            f'{path}: refused to load: the file holds {what}, which is not '
            'a tensor, a container or an allow-listed numpy scalar type. A '
            'checkpoint must never run code, so it is read with '
            'weights_only=True and such types are never allowed.') from e
    except (RuntimeError, EOFError) as e:
        raise ValueError(f'{path}: not a readable PyTorch checkpoint '
                         f'(truncated or another format?): {e}') from e
    if not isinstance(ckpt, dict):
        raise ValueError(f'{path}: expected a dict at the top level, got '
                         f'{type(ckpt).__name__}')
    return ckpt


def strip_prefix(state_dict: Dict[str, Tensor],
                 prefix: str = 'module.') -> Dict[str, Tensor]:
    """Remove ``prefix`` from the keys that carry it (DataParallel /
    DistributedDataParallel wrappers add ``module.``)."""
    return {
        k[len(prefix):] if k.startswith(prefix) else k: v
        for k, v in state_dict.items()
    }


def unwrap_state_dict(
    ckpt: dict,
    path: str,
    wrappers: Iterable[str] = ('state_dict', 'model'),
    prefixes: Iterable[str] = ('module.', )
) -> Dict[str, Tensor]:
    """The model's tensors of a released checkpoint.

    Args:
        ckpt (dict): :func:`load_release` output.
        path (str): The file (for messages).
        wrappers (Iterable[str]): Keys that may hold the state dict, tried
            in order; a bare state dict (all values tensors) is used as is.
        prefixes (Iterable[str]): Key prefixes removed (``module.``).

    Returns:
        dict[str, Tensor]: Flat state dict.
    """
    for key in wrappers:
        if isinstance(ckpt.get(key), dict):
            state = ckpt[key]
            break
    else:
        if ckpt and all(isinstance(v, Tensor) for v in ckpt.values()):
            state = ckpt
        else:
            raise ValueError(
                f'{path}: no state dict found: expected one of the keys '
                f'{list(wrappers)}, the file has {sorted(ckpt)}')
    bad = [k for k, v in state.items() if not isinstance(v, Tensor)]
    if bad:
        raise ValueError(f'{path}: state dict entries that are not tensors: '
                         f'{bad[:10]}')
    for prefix in prefixes:
        state = strip_prefix(state, prefix)
    return state


def save_converted(state_dict: Dict[str, Tensor],
                   dst: str,
                   meta: Optional[dict] = None) -> None:
    """Write ``{'meta': meta, 'state_dict': state_dict}``, the layout
    mmengine's ``load_checkpoint`` and ``tools/test.py`` read.

    The file is written next to ``dst`` and renamed into place, so an
    interrupted conversion never leaves a truncated ``dst``.

    Args:
        state_dict (dict[str, Tensor]): Converted tensors.
        dst (str): Output path; parent folders are created.
        meta (dict, optional): Plain data (strings, numbers, lists) stored
            as ``meta``.
    """
    folder = osp.dirname(osp.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(dst)}.tmp{os.getpid()}')
    torch.save(
        dict(
            meta=dict(meta or {}),
            state_dict={
                k: v.contiguous()
                for k, v in state_dict.items()
            }), tmp)
    os.replace(tmp, dst)


def describe_meta(ckpt: dict) -> List[str]:
    """Short lines describing a release's non-tensor content (for the
    converter's log)."""
    lines = []
    meta = ckpt.get('meta')
    if isinstance(meta, dict):
        for key in ('mmcv_version', 'mmseg_version', 'time', 'epoch', 'iter'):
            if key in meta:
                lines.append(f'{key}: {meta[key]}')
    for key in ('epoch', 'iter'):
        if key in ckpt and not isinstance(ckpt[key], dict):
            lines.append(f'{key}: {ckpt[key]}')
    return lines
