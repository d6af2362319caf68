"""Data structures passed between pipeline, model and metric."""
from .depth_data_sample import DepthDataSample
from .depth_map import depth_map_array, depth_map_tensor

__all__ = ['DepthDataSample', 'depth_map_array', 'depth_map_tensor']
