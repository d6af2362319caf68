"""Layers shared by the heads and necks."""
from .attractor_layer import AttractorLayer, attractor_shift
from .bins_transformer_decoder import BinsTransformerDecoder
from .context_aggregation import ContextAggregationModule
from .deformable_transformer_encoder import DeformableTransformerEncoder
from .log_binomial import (LogBinomial, log_binomial_coefficient,
                           log_binomial_probs)
from .mini_vit import MiniViT
from .multi_scale_deform_attn import (MultiScaleDeformableAttention,
                                      multi_scale_deformable_attn)
from .seed_bin_regressor import SeedBinRegressor
from .sine_positional_encoding import SinePositionalEncoding

__all__ = [
    'MultiScaleDeformableAttention', 'multi_scale_deformable_attn',
    'SinePositionalEncoding', 'MiniViT', 'ContextAggregationModule',
    'AttractorLayer', 'attractor_shift', 'LogBinomial',
    'log_binomial_coefficient', 'log_binomial_probs', 'SeedBinRegressor',
    'DeformableTransformerEncoder', 'BinsTransformerDecoder'
]
