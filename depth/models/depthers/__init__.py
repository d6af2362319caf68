"""Depthers: whole models (backbone, neck, head) and test-time augmentation."""
from .base_depther import BaseDepther
from .depth_encoder_decoder import DepthEncoderDecoder
from .depth_tta_model import DepthTTAModel

__all__ = ['BaseDepther', 'DepthEncoderDecoder', 'DepthTTAModel']
