from .depth_visualization_hook import DepthVisualizationHook
from .sanitize_checkpoint_hook import SanitizeCheckpointHook

__all__ = ['DepthVisualizationHook', 'SanitizeCheckpointHook']
