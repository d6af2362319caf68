"""Backbones: image encoders returning multi-scale features."""
from .depthformer_swin import DepthFormerSwin
from .dinov2_vit import DINOv2ViT
from .efficientnet_encoder import EfficientNetEncoder
from .image_passthrough_backbone import ImagePassthroughBackbone
from .timm_backbone import TimmBackbone

__all__ = [
    'TimmBackbone', 'DepthFormerSwin', 'EfficientNetEncoder',
    'ImagePassthroughBackbone', 'DINOv2ViT'
]
