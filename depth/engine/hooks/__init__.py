"""Hooks: guards against silent faults, checkpoint hygiene, visualisation."""
from .atomic_checkpoint_hook import AtomicCheckpointHook
from .depth_visualization_hook import DepthVisualizationHook
from .non_finite_loss_hook import NonFiniteLossHook
from .sanitize_checkpoint_hook import SanitizeCheckpointHook
from .train_preflight_hook import TrainPreflightHook

__all__ = [
    'AtomicCheckpointHook', 'DepthVisualizationHook', 'NonFiniteLossHook',
    'SanitizeCheckpointHook', 'TrainPreflightHook'
]
