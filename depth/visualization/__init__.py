"""Visualisation: depth colour maps and the result panels."""
from .colormap import colorize, colormap_lut
from .depth_local_visualizer import DepthLocalVisualizer

__all__ = ['DepthLocalVisualizer', 'colorize', 'colormap_lut']
