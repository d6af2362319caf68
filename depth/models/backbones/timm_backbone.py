import os.path as osp
from typing import Optional, Sequence, Tuple

import timm
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig
from ..utils import split_norm_act


@MODELS.register_module()
class TimmBackbone(BaseModule):
    """Any timm model as a multi-level feature extractor
    (``features_only=True``).

    Pretrained weights come only from a local file: ``pretrained`` is a
    path to a checkpoint in the key layout of the timm model (for example
    a ``pytorch_model.bin``/``.safetensors``/``.pth`` of the timm hub
    release). Nothing is ever downloaded.

    Args:
        model_name (str): timm model name, e.g. ``'resnet50'``,
            ``'tf_efficientnet_b5'``, ``'convnext_tiny'``.
        pretrained (str, optional): Local checkpoint path. Defaults to None
            (random initialisation).
        out_indices (Sequence[int], optional): Feature levels to return.
            Defaults to all levels of the model.
        in_channels (int): Input channels. Defaults to 3.
        init_cfg (dict, optional): Initialisation config.
        **kwargs: Passed to ``timm.create_model`` (e.g. ``drop_path_rate``,
            ``output_stride``).

    timm's fused ``BatchNormAct2d`` layers (EfficientNet, MobileNet...) are
    split into a BatchNorm and the activation, so that ``sync_bn`` and
    mmengine's SyncBN revert keep the activations.

    Attributes:
        out_channels (list[int]): Channels of each returned level.
        reductions (list[int]): Stride of each returned level.

    Shapes:
        input ``(N, in_channels, H, W)``; output a tuple of
        ``(N, out_channels[i], H / reductions[i], W / reductions[i])``.
    """

    def __init__(self,
                 model_name: str,
                 pretrained: Optional[str] = None,
                 out_indices: Optional[Sequence[int]] = None,
                 in_channels: int = 3,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(pretrained, bool):
            raise TypeError(
                'TimmBackbone: `pretrained` must be a local file path or '
                'None, not a bool (weights are never downloaded)')
        if pretrained is not None and not osp.isfile(pretrained):
            raise FileNotFoundError(
                f'TimmBackbone: pretrained checkpoint {pretrained!r} for '
                f'{model_name} does not exist (weights are never '
                'downloaded; put the file there or set pretrained=None)')
        if out_indices is not None:
            kwargs['out_indices'] = tuple(out_indices)
        if pretrained is not None:
            kwargs['pretrained_cfg_overlay'] = dict(file=pretrained)
            print_log(
                f'TimmBackbone: loading {model_name} weights from '
                f'{pretrained}',
                logger='current')
        self.model = timm.create_model(
            model_name,
            pretrained=pretrained is not None,
            features_only=True,
            in_chans=in_channels,
            **kwargs)
        # timm's fused BatchNorm+activation layers would lose their
        # activation under SyncBN conversion/revert: split them (after the
        # pretrained weights were loaded into the original layout).
        split_norm_act(self.model)
        self.model_name = model_name
        self.out_channels = list(self.model.feature_info.channels())
        self.reductions = list(self.model.feature_info.reduction())

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        return tuple(self.model(x))
