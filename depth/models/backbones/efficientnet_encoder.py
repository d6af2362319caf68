"""AdaBins' EfficientNet encoder (timm) with the original block taps."""
from typing import Optional, Tuple

import timm
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig
from ..utils import split_norm_act, timm_pretrained_kwargs


@MODELS.register_module()
class EfficientNetEncoder(BaseModule):
    """EfficientNet features as taken by AdaBins, on top of timm.

    AdaBins uses the outputs of blocks 0, 1, 2 and 4 of EfficientNet-B5
    (24, 40, 64, 176 channels at H/2, H/4, H/8, H/16) and, at H/32, the
    output of the 1x1 ``conv_head`` (2048 channels), not the 512-channel
    last block that timm's ``features_only`` returns. In the original
    (gen-efficientnet ``tf_efficientnet_b5_ap``, whose children are
    ``conv_head``, ``bn2``, ``act2``) that deepest feature is the raw
    ``conv_head`` output, before ``bn2`` and its activation:
    ``head='conv'`` (default) reproduces that; ``head='conv_bn_act'`` adds
    ``bn2`` + SiLU; ``head=None`` returns the last block (timm's
    ``features_only`` levels).

    The four shallow levels are the first four entries of timm's
    ``feature_info`` (for every EfficientNet variant: blocks 0, 1, 2, 4).

    Pretrained weights come only from a local file in timm's key layout,
    e.g. the ``tf_efficientnet_b5.ap_in1k`` release
    (``model_name='tf_efficientnet_b5'``); the classifier is dropped. With
    ``head='conv'`` the unused ``bn2`` is deleted after loading, so every
    parameter takes part in the forward (DDP without
    ``find_unused_parameters``).

    timm's ``BatchNormAct2d`` layers are split into a plain BatchNorm plus
    the activation (see :class:`depth.models.utils.NormAct`) so that
    ``sync_bn='torch'`` in a config, and mmengine's automatic SyncBN
    revert, keep the activations.
    This changes the state-dict keys of those layers (``bn1.weight`` ->
    ``bn1.bn.weight``); pretrained files are loaded before the split.

    Args:
        model_name (str): timm EfficientNet name. Defaults to
            'tf_efficientnet_b5' (TF 'same' padding, as the AP weights).
        pretrained (str, optional): Local checkpoint path. Defaults to None.
        head (str, optional): 'conv', 'conv_bn_act' or None, see above.
            Defaults to 'conv'.
        in_channels (int): Input channels. Defaults to 3.
        init_cfg (dict, optional): Initialisation config.
        **kwargs: Passed to ``timm.create_model`` (``drop_path_rate``...).

    Attributes:
        out_channels (list[int]): Channels per level, e.g.
            ``[24, 40, 64, 176, 2048]`` for B5.
        reductions (list[int]): ``[2, 4, 8, 16, 32]``.

    Shapes:
        input ``(N, in_channels, H, W)``; output a tuple of 5 maps
        ``(N, out_channels[i], H / reductions[i], W / reductions[i])``
        (rounded up: TF 'same' padding).
    """

    def __init__(self,
                 model_name: str = 'tf_efficientnet_b5',
                 pretrained: Optional[str] = None,
                 head: Optional[str] = 'conv',
                 in_channels: int = 3,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        if head not in ('conv', 'conv_bn_act', None):
            raise ValueError("EfficientNetEncoder: head must be 'conv', "
                             f"'conv_bn_act' or None, got {head!r}")
        kwargs.update(
            timm_pretrained_kwargs('EfficientNetEncoder', model_name,
                                   pretrained))
        model = timm.create_model(
            model_name,
            num_classes=0,
            global_pool='',
            in_chans=in_channels,
            **kwargs)
        for attr in ('conv_stem', 'bn1', 'blocks', 'conv_head', 'bn2'):
            if not hasattr(model, attr):
                raise TypeError(f'EfficientNetEncoder: timm model '
                                f'{model_name!r} is not an EfficientNet '
                                f'(no {attr!r})')
        info = model.feature_info
        if len(info) < 5:
            raise TypeError(f'EfficientNetEncoder: {model_name!r} has '
                            f'{len(info)} feature levels, expected 5')
        # 'blocks.4' -> 4
        self.out_blocks = [int(f['module'].split('.')[-1]) for f in info[:4]]
        self.head = head
        self.model_name = model_name
        self.conv_stem = model.conv_stem
        self.bn1 = model.bn1
        self.blocks = model.blocks
        self.out_channels = [f['num_chs'] for f in info[:4]]
        self.reductions = [f['reduction'] for f in info[:4]] + [32]
        if head is None:
            self.out_channels.append(info[-1]['num_chs'])
        else:
            self.conv_head = model.conv_head
            self.out_channels.append(model.conv_head.out_channels)
            if head == 'conv_bn_act':
                self.bn2 = model.bn2
        del model
        split_norm_act(self)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        x = self.bn1(self.conv_stem(x))
        outs = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.out_blocks:
                outs.append(x)
        if self.head is None:
            outs.append(x)
        else:
            x = self.conv_head(x)
            if self.head == 'conv_bn_act':
                x = self.bn2(x)
            outs.append(x)
        return tuple(outs)
