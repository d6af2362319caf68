"""Models: backbones, necks, decode heads, losses, depthers and the data
preprocessor, registered in ``depth.registry.MODELS``."""
from .backbones import *  # noqa: F401,F403
from .data_preprocessor import DepthDataPreprocessor
from .decode_heads import *  # noqa: F401,F403
from .depthers import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403

__all__ = ['DepthDataPreprocessor']
