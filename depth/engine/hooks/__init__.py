from .depth_visualization_hook import DepthVisualizationHook
from .non_finite_loss_hook import NonFiniteLossHook
from .sanitize_checkpoint_hook import SanitizeCheckpointHook

__all__ = [
    'DepthVisualizationHook', 'NonFiniteLossHook', 'SanitizeCheckpointHook'
]
