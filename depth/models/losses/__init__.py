"""Losses; each returns a weighted scalar and is zero without valid pixels."""
from .attention_kl_loss import AttentionKLLoss
from .bins_chamfer_loss import BinsChamferLoss
from .gradient_loss import GradientLoss
from .interval_cross_entropy_loss import IntervalCrossEntropyLoss
from .ordinal_regression_loss import OrdinalRegressionLoss
from .scene_cross_entropy_loss import SceneCrossEntropyLoss
from .sig_loss import SigLoss
from .sqrt_silog_loss import SqrtSILogLoss

__all__ = [
    'SigLoss', 'BinsChamferLoss', 'AttentionKLLoss',
    'IntervalCrossEntropyLoss', 'OrdinalRegressionLoss', 'GradientLoss',
    'SqrtSILogLoss', 'SceneCrossEntropyLoss'
]
