"""ACAN's context aggregation module (CAM)."""
import math
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_activation_layer
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptConfigType, OptMultiConfig

VALUE_TYPES = ('conv1x1', 'conv3x3_conv1x1')
POOL_TYPES = ('conv', 'fc')


@MODELS.register_module()
class ContextAggregationModule(BaseModule):
    """Context aggregation module of ACAN (Chen et al., "Attention-based
    context aggregation network for monocular depth estimation", Sec. III-B).

    Two branches on the encoder feature ``x`` ``(N, C_in, h, w)``, whose
    outputs are concatenated along channels:

    * **Pixel-level self-attention.** Query and key come from ONE shared
      transformation ``phi = varphi`` (1x1 conv + norm + activation), so
      ``Q = K = phi(x)`` ``(N, hw, C_K)``. The attention map is the scaled
      embedded Gaussian of Eq. (1)-(3), row-normalised::

          W = softmax(Q K^T / sqrt(C_K), dim=-1)        # (N, hw, hw)

      and the context of pixel ``i`` is ``c_i = sum_j W_ij psi(x_j)``
      (Eq. (4)), with the value transformation ``psi`` another 1x1 conv +
      norm + activation (the paper does not specify ``psi``;
      ``value_type='conv3x3_conv1x1'`` gives the official code's 3x3 conv
      + act + 1x1 conv + act, with biases and no norm).
    * **Image pooling.** Global average pooling to a ``(N, C_in, 1, 1)``
      context vector, a 1x1 conv + activation (no normalisation: a batch
      norm over 1x1 maps fails for batch size 1) and broadcasting back to
      ``h x w``. ``pool_type='fc'`` gives the official code's GAP ->
      dropout -> FC ``C_in -> pool_channels`` + act -> FC
      ``pool_channels -> pool_channels`` + act (its fixed-size
      ``AvgPool2d`` over the training-size map is this GAP).

    Memory: the attention map is ``N * (hw)^2`` floats, e.g. 1280 tokens
    (KITTI 160x512 input at output stride 8) take 6.6 MB per image, 1408
    tokens (NYU 256x352) 7.9 MB; it grows with the fourth power of the
    image side, so inputs much larger than the paper's (e.g. 352x1216,
    6688 tokens: 179 MB per image) are fine for inference but costly to
    train in large batches.

    Args:
        in_channels (int): Channels ``C_in`` of the input feature.
        key_channels (int): ``C_K = C_Q`` of the shared query/key
            embedding. Defaults to 512.
        value_channels (int): Channels ``C_V`` of the value embedding and
            of the attention context. Defaults to 512.
        pool_channels (int): Channels of the image-pooling branch.
            Defaults to 512.
        image_pool (bool): Use the image-pooling branch (Table II's "w");
            False drops it (the output then has ``value_channels``
            channels). Defaults to True.
        value_type (str): ``psi``: ``'conv1x1'`` (1x1 conv + norm + act)
            or ``'conv3x3_conv1x1'`` (official code: 3x3 conv + act, 1x1
            conv + act, biases, no norm). Defaults to 'conv1x1'.
        pool_type (str): Image pooling after GAP: ``'conv'`` (1x1 conv +
            act) or ``'fc'`` (official code: dropout, two fully connected
            layers + act). Defaults to 'conv'.
        pool_dropout_ratio (float): Dropout before the first FC layer of
            ``pool_type='fc'`` (official code: 0.5). Defaults to 0.5.
        conv_cfg (dict, optional): Conv layer config.
        norm_cfg (dict, optional): Norm layer config of the key and value
            embeddings. Defaults to ``dict(type='BN')``.
        act_cfg (dict): Activation config. Defaults to ReLU.
        init_cfg (dict, optional): Initialisation config.

    Attributes:
        out_channels (int): ``value_channels (+ pool_channels)``.

    Shapes:
        input ``(N, C_in, h, w)``; output ``(N, out_channels, h, w)`` and
        the attention map ``(N, h*w, h*w)`` whose rows sum to 1.
    """

    def __init__(self,
                 in_channels: int,
                 key_channels: int = 512,
                 value_channels: int = 512,
                 pool_channels: int = 512,
                 image_pool: bool = True,
                 value_type: str = 'conv1x1',
                 pool_type: str = 'conv',
                 pool_dropout_ratio: float = 0.5,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for name, value in (('in_channels', in_channels),
                            ('key_channels', key_channels), ('value_channels',
                                                             value_channels)):
            if int(value) <= 0:
                raise ValueError(f'ContextAggregationModule: {name} must be '
                                 f'positive, got {value}')
        if value_type not in VALUE_TYPES:
            raise ValueError(f'ContextAggregationModule: value_type must be '
                             f'one of {VALUE_TYPES}, got {value_type!r}')
        if pool_type not in POOL_TYPES:
            raise ValueError(f'ContextAggregationModule: pool_type must be '
                             f'one of {POOL_TYPES}, got {pool_type!r}')
        if not 0 <= pool_dropout_ratio < 1:
            raise ValueError('ContextAggregationModule: pool_dropout_ratio '
                             f'must be in [0, 1), got {pool_dropout_ratio}')
        self.in_channels = in_channels
        self.key_channels = key_channels
        self.value_channels = value_channels
        self.with_image_pool = image_pool
        # phi and varphi share their parameters (Sec. III-B).
        self.query_key = ConvModule(
            in_channels,
            key_channels,
            1,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.value_type = value_type
        self.pool_type = pool_type
        if value_type == 'conv1x1':
            self.value = ConvModule(
                in_channels,
                value_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
        else:
            self.value = nn.Sequential(
                ConvModule(
                    in_channels,
                    value_channels,
                    3,
                    padding=1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None,
                    act_cfg=act_cfg),
                ConvModule(
                    value_channels,
                    value_channels,
                    1,
                    conv_cfg=conv_cfg,
                    norm_cfg=None,
                    act_cfg=act_cfg))
        self.out_channels = value_channels
        if image_pool:
            if int(pool_channels) <= 0:
                raise ValueError('ContextAggregationModule: pool_channels '
                                 f'must be positive, got {pool_channels}')
            if pool_type == 'conv':
                self.image_pool = nn.Sequential(
                    nn.AdaptiveAvgPool2d(1),
                    ConvModule(
                        in_channels,
                        pool_channels,
                        1,
                        conv_cfg=conv_cfg,
                        norm_cfg=None,
                        act_cfg=act_cfg))
            else:
                self.image_pool = nn.Sequential(
                    nn.AdaptiveAvgPool2d(1), nn.Flatten(1),
                    nn.Dropout(pool_dropout_ratio),
                    nn.Linear(in_channels, pool_channels),
                    build_activation_layer(act_cfg),
                    nn.Linear(pool_channels, pool_channels),
                    build_activation_layer(act_cfg))
            self.out_channels += pool_channels

    def attention(self, x: Tensor) -> Tensor:
        """The pixel-level attention map of Eq. (1)-(3).

        Args:
            x (Tensor): ``(N, C_in, h, w)``.

        Returns:
            Tensor: ``(N, h*w, h*w)``; row ``i`` is the distribution of
            pixel ``i``'s attention over all pixels (row-major order).
        """
        qk = self.query_key(x).flatten(2)  # (N, C_K, hw)
        scores = torch.bmm(qk.transpose(1, 2), qk)  # (N, hw, hw)
        return F.softmax(scores / math.sqrt(self.key_channels), dim=-1)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Aggregate pixel- and image-level context.

        Args:
            x (Tensor): ``(N, C_in, h, w)``.

        Returns:
            tuple[Tensor, Tensor]: The context features
            ``(N, out_channels, h, w)`` and the attention map
            ``(N, h*w, h*w)``.
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f'ContextAggregationModule: expected (N, {self.in_channels}, '
                f'h, w) input, got {tuple(x.shape)}')
        n, _, h, w = x.shape
        attn = self.attention(x)
        value = self.value(x).flatten(2)  # (N, C_V, hw)
        context = torch.bmm(value, attn.transpose(1, 2))  # (N, C_V, hw)
        outs = [context.view(n, self.value_channels, h, w)]
        if self.with_image_pool:
            pooled = self.image_pool(x).view(n, -1, 1, 1)
            outs.append(pooled.expand(-1, -1, h, w))
        return torch.cat(outs, dim=1), attn
