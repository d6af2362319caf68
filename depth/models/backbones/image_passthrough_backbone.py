"""A backbone wrapper that also returns the input image (for LacDepth's
Laplacian pyramid)."""
from typing import Tuple

from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptMultiConfig


@MODELS.register_module()
class ImagePassthroughBackbone(BaseModule):
    """Wrap a backbone and also return its input image, as element 0.

    For necks that need the image itself next to the encoder features, such
    as :class:`LaplacianPyramidNeck` (Laplacian residuals of the image),
    while keeping the plain ``backbone -> neck -> head`` flow of
    ``DepthEncoderDecoder``. The image is the network input, i.e. already
    normalised by the data preprocessor.

    Args:
        backbone (dict): Config of the wrapped backbone, which maps
            ``(N, C, H, W)`` to a tuple of feature maps.
        init_cfg (dict, optional): Initialisation config.

    Attributes:
        out_channels (list[int]): ``[C] + backbone.out_channels`` when the
            wrapped backbone exposes ``out_channels`` (``C`` from its
            ``in_channels``, default 3).
        reductions (list[int]): ``[1] + backbone.reductions`` likewise.

    Shapes:
        input ``(N, C, H, W)``; output ``(image, *backbone(image))``.
    """

    def __init__(self,
                 backbone: ConfigType,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        in_ch = backbone.get('in_channels', 3)
        if hasattr(self.backbone, 'out_channels'):
            self.out_channels = [in_ch] + list(self.backbone.out_channels)
        if hasattr(self.backbone, 'reductions'):
            self.reductions = [1] + list(self.backbone.reductions)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return (x, *self.backbone(x))
