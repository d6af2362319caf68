"""High-level Python API: build a depther from a config and run it on
images."""
from .depth_inferencer import DepthInferencer
from .inference import inference_model, init_model, pretrained_off

__all__ = [
    'init_model', 'inference_model', 'pretrained_off', 'DepthInferencer'
]
