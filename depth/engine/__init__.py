from .hooks import DepthVisualizationHook

__all__ = ['DepthVisualizationHook']
