"""Builders shared by the tests (and handy in notebooks): tiny samples and
batches, and configs loaded with pretrained weights off. Like mmdet's
``mmdet.testing``."""
from ._utils import (CONFIG_ROOT, REPO_ROOT, demo_batch, depth_metric,
                     depth_sample, get_config, image_and_depth_files,
                     load_script, loss_and_predict, random_depth_map,
                     random_release_state, read_key_shapes, run_tool)

__all__ = [
    'CONFIG_ROOT', 'REPO_ROOT', 'demo_batch', 'depth_metric', 'depth_sample',
    'get_config', 'image_and_depth_files', 'load_script', 'loss_and_predict',
    'random_depth_map', 'random_release_state', 'read_key_shapes', 'run_tool'
]
