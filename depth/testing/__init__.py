"""Builders shared by the tests (and handy in notebooks): tiny samples and
batches, and configs loaded with pretrained weights off. Like mmdet's
``mmdet.testing``."""
from ._utils import (CONFIG_ROOT, demo_batch, depth_metric, depth_sample,
                     get_config, random_depth_map)

__all__ = [
    'CONFIG_ROOT', 'demo_batch', 'depth_metric', 'depth_sample', 'get_config',
    'random_depth_map'
]
