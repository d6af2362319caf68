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


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every ``depth`` module into the registries and (by default)
    make ``'depth'`` the default scope, for scripts and notebooks that
    build modules by name outside a Runner, e.g.
    ``MODELS.build(dict(type='SigLoss'))`` with mmengine's root registry.

    The registries' ``locations`` import the modules on first use anyway;
    this does it eagerly.

    Args:
        init_default_scope (bool): Set the default scope to ``'depth'``
            (a new scope instance is created when another one is current).
            Defaults to True.
    """
    import depth.datasets  # noqa: F401
    import depth.engine  # noqa: F401
    import depth.evaluation  # noqa: F401
    import depth.models  # noqa: F401
    import depth.visualization  # noqa: F401
    if init_default_scope:
        from mmengine.registry import init_default_scope as _init_scope
        _init_scope('depth')


__all__ = ['__version__', 'register_all_modules']
