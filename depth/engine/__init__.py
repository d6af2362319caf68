"""Training-time engineering that carries depth semantics: hooks and the
atomic checkpoint file backend."""
from .atomic_local_backend import AtomicLocalBackend
from .hooks import (AtomicCheckpointHook, DepthVisualizationHook,
                    NonFiniteLossHook, SanitizeCheckpointHook,
                    TrainPreflightHook)

__all__ = [
    'AtomicLocalBackend', 'AtomicCheckpointHook', 'DepthVisualizationHook',
    'NonFiniteLossHook', 'SanitizeCheckpointHook', 'TrainPreflightHook'
]
