from .atomic_local_backend import AtomicLocalBackend
from .hooks import (AtomicCheckpointHook, DepthVisualizationHook,
                    NonFiniteLossHook, SanitizeCheckpointHook,
                    TrainPreflightHook)

__all__ = [
    'AtomicLocalBackend', 'AtomicCheckpointHook', 'DepthVisualizationHook',
    'NonFiniteLossHook', 'SanitizeCheckpointHook', 'TrainPreflightHook'
]
