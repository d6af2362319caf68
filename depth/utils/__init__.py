from .typing_utils import (ConfigType, ForwardResults, MultiConfig,
                           OptConfigType, OptMultiConfig, OptSampleList,
                           SampleList, TensorDict, TensorList)


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


__all__ = [
    'ConfigType', 'OptConfigType', 'MultiConfig', 'OptMultiConfig',
    'SampleList', 'OptSampleList', 'TensorDict', 'TensorList',
    'ForwardResults', 'register_all_modules'
]
