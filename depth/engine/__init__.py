from .hooks import DepthVisualizationHook, SanitizeCheckpointHook

__all__ = ['DepthVisualizationHook', 'SanitizeCheckpointHook']
