"""``depth``: supervised monocular depth estimation on OpenMMLab 2.0."""
import mmengine
from mmengine.utils import digit_version

from .version import __version__

_MMENGINE_MIN, _MMENGINE_MAX = '0.10.0', '0.11.0'
if not (digit_version(_MMENGINE_MIN) <= digit_version(mmengine.__version__) <
        digit_version(_MMENGINE_MAX)):
    raise ImportError(
        f'depth needs mmengine>={_MMENGINE_MIN},<{_MMENGINE_MAX}, '
        f'found {mmengine.__version__}. Run '
        '`pip install "mmengine>=0.10,<0.11"`.')

from .utils.checkpoint import register_checkpoint_safe_globals  # noqa: E402

register_checkpoint_safe_globals()

__all__ = ['__version__']
