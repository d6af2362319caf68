"""AdaBins head: mini-ViT adaptive bins and their linear combination
(AdaBins Sec. 3)."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from torch import Tensor

from depth.models.layers.mini_vit import MiniViT
from depth.registry import MODELS
from depth.utils import OptConfigType, SampleList
from .base_depth_head import stack_gt_depth
from .densedepth_head import DenseDepthHead

BINS_STRATEGIES = ('adaptive', 'uniform', 'log', 'trained')


@MODELS.register_module()
class AdabinsHead(DenseDepthHead):
    """AdaBins head (Bhat, Alhashim, Wonka, CVPR 2021): a DenseDepth U-Net
    decoder followed by the AdaBins module.

    1. The U-Net decoder of :class:`DenseDepthHead` and a 3x3 conv give the
       decoded feature ``x_d`` ``(N, channels, h, w)`` at the finest input
       level (``H/2`` with 5-level encoders).
    2. :class:`MiniViT` gives bin-width logits ``b'`` (from output token 0)
       and ``num_queries`` range-attention maps ``R``.
    3. Bin widths, Eq. (1): ``b = (relu(b') + eps) / sum(relu(b') + eps)``;
       edges ``e_0 = min_depth``, ``e_i = min_depth + (max_depth -
       min_depth) * sum_{j<=i} b_j``; centres, Eq. (2):
       ``c_i = (e_{i-1} + e_i) / 2``.
    4. Hybrid regression, Eq. (3): ``p = softmax(conv1x1(R))`` over the
       ``n_bins`` channels and ``depth = sum_k p_k c_k``, so the depth lies
       in ``[min_depth, max_depth]`` (a convex combination of centres).

    ``bins_strategy`` selects the bin-width variants of the paper's Table 2:

    - ``'adaptive'`` (default, AdaBins): ``b`` predicted per image by the
      mini-ViT MLP head.
    - ``'uniform'``: fixed equal widths.
    - ``'log'``: fixed widths equal in log space (edges
      ``exp(linspace(log min_depth, log max_depth, n_bins + 1))``).
    - ``'trained'``: one learned width vector shared by all images (a
      parameter, normalised with Eq. (1); initialised uniform).

    All variants keep the mini-ViT range-attention maps and the hybrid
    regression; the fixed ones build no MLP head. The chamfer loss is only
    applied when the centres can learn (``'adaptive'``, ``'trained'``).

    The defaults follow the paper. The released AdaBins code (and its
    weights, see ``depth/converters/adabins.py``) differs in three places,
    each an option (the ``configs/adabins/efnetb5_*.py`` recipes set the
    released values):

    - ``bins_eps``: the paper's 1e-3 in Eq. (1); the code adds 0.1.
    - ``pos_embed_type``: a positional grid resized to any input
      (``'grid'``, default) or the code's flat table of 500 rows
      (``'flat'``), see :class:`MiniViT`.
    - ``bottleneck_padding``: the decoder's first 1x1 conv has
      ``padding=1`` in the code, so its output (the deepest level) grows by
      2 pixels in each dimension, filled with the conv's bias, before the
      first upsampling; 0 (default) keeps the level's size.

    Args:
        n_bins (int): Number of bins N. Defaults to 256.
        bins_strategy (str): One of 'adaptive', 'uniform', 'log', 'trained'.
            Defaults to 'adaptive'.
        bins_eps (float): ``eps`` of Eq. (1). Defaults to 1e-3.
        patch_size (int): Mini-ViT patch size p. Defaults to 16.
        embed_dims (int, optional): Mini-ViT width E. Defaults to
            ``channels`` (128).
        num_queries (int): Number of range-attention maps C. Defaults to
            128.
        num_layers (int): Transformer layers. Defaults to 4.
        num_heads (int): Attention heads. Defaults to 4.
        feedforward_channels (int): Transformer MLP size. Defaults to 1024.
        regressor_channels (int): Hidden width of the bin-width MLP head.
            Defaults to 256.
        transformer_dropout (float): Dropout in the Transformer layers.
            Defaults to 0.1.
        pos_embed_type (str): ``'grid'`` or ``'flat'`` (the released
            code). Defaults to 'grid'.
        pos_embed_size (Sequence[int]): Grid of the learned positional
            encoding (set it to the training token grid; ``'grid'`` only).
            Defaults to (16, 16).
        num_pos_embeds (int): Rows of the flat positional table
            (``'flat'`` only). Defaults to 500.
        bottleneck_padding (int): Zero padding of the decoder's first 1x1
            conv (the released code: 1). Defaults to 0.
        loss_chamfer (dict, optional): Bin-centre loss config. Defaults to
            ``BinsChamferLoss`` with weight 0.1; None disables it.
        **kwargs: :class:`DenseDepthHead` arguments (``in_channels``,
            ``up_sample_channels``, ``channels``, ``max_depth`` (required),
            ``min_depth``, ``align_corners``, ``norm_cfg``, ``act_cfg``,
            ``loss_decode``, ...).

    Shapes:
        inputs: tuple of ``(N, in_channels[i], H_i, W_i)``.
        forward output: dict with ``depth`` ``(N, 1, H_0, W_0)``,
        ``bin_edges`` ``(N, n_bins + 1)`` and ``bin_centers``
        ``(N, n_bins)`` in metres.
    """

    def __init__(self,
                 n_bins: int = 256,
                 bins_strategy: str = 'adaptive',
                 bins_eps: float = 1e-3,
                 patch_size: int = 16,
                 embed_dims: Optional[int] = None,
                 num_queries: int = 128,
                 num_layers: int = 4,
                 num_heads: int = 4,
                 feedforward_channels: int = 1024,
                 regressor_channels: int = 256,
                 transformer_dropout: float = 0.1,
                 pos_embed_type: str = 'grid',
                 pos_embed_size: Sequence[int] = (16, 16),
                 num_pos_embeds: int = 500,
                 bottleneck_padding: int = 0,
                 loss_chamfer: OptConfigType = dict(
                     type='BinsChamferLoss', loss_weight=0.1),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if bins_strategy not in BINS_STRATEGIES:
            raise ValueError(f'AdabinsHead: bins_strategy must be one of '
                             f'{BINS_STRATEGIES}, got {bins_strategy!r}')
        if self.max_depth is None:
            raise ValueError('AdabinsHead: max_depth is required (the bins '
                             'span [min_depth, max_depth])')
        if not 0 < self.min_depth < self.max_depth:
            raise ValueError('AdabinsHead: need 0 < min_depth < max_depth, '
                             f'got {self.min_depth}, {self.max_depth}')
        if self.scale_up:
            raise ValueError('AdabinsHead: scale_up does not apply (depth is '
                             'a combination of bin centres)')
        if bins_eps <= 0:
            raise ValueError(f'AdabinsHead: bins_eps must be > 0, got '
                             f'{bins_eps}')
        if bottleneck_padding < 0:
            raise ValueError('AdabinsHead: bottleneck_padding must be >= 0, '
                             f'got {bottleneck_padding}')
        if bottleneck_padding and self.fpn:
            raise ValueError('AdabinsHead: bottleneck_padding applies to the '
                             'U-Net decoder, not fpn=True')
        self.n_bins = n_bins
        self.bins_strategy = bins_strategy
        self.bins_eps = bins_eps
        self.bottleneck_padding = bottleneck_padding
        # The U-Net's direct depth conv is replaced by the AdaBins module.
        del self.conv_depth
        if bottleneck_padding:
            first = self.conv_list[0]
            self.conv_list[0] = ConvModule(
                first.in_channels,
                first.out_channels,
                1,
                padding=bottleneck_padding,
                act_cfg=None,
                conv_cfg=self.conv_cfg)

        self.decode_final_conv = nn.Conv2d(
            self.channels, self.channels, 3, padding=1)
        self.mini_vit = MiniViT(
            self.channels,
            embed_dims=embed_dims or self.channels,
            patch_size=patch_size,
            num_layers=num_layers,
            num_heads=num_heads,
            feedforward_channels=feedforward_channels,
            num_queries=num_queries,
            out_channels=n_bins if bins_strategy == 'adaptive' else None,
            head_channels=regressor_channels,
            dropout=transformer_dropout,
            pos_embed_type=pos_embed_type,
            pos_embed_size=pos_embed_size,
            num_pos_embeds=num_pos_embeds)
        self.conv_out = nn.Conv2d(num_queries, n_bins, 1)

        if bins_strategy == 'trained':
            # relu(1) + eps is the same for every bin: uniform at start, and
            # away from relu's dead zone.
            self.bin_logits = nn.Parameter(torch.ones(n_bins))
        elif bins_strategy in ('uniform', 'log'):
            self.register_buffer(
                'fixed_widths',
                self._fixed_widths(bins_strategy),
                persistent=False)

        if loss_chamfer is not None and bins_strategy in ('uniform', 'log'):
            print_log(
                f'AdabinsHead: bins_strategy={bins_strategy!r} has '
                'constant bin centres; loss_chamfer is not applied.',
                logger='current')
            loss_chamfer = None
        self.loss_chamfer = MODELS.build(loss_chamfer) \
            if loss_chamfer is not None else None

    # ------------------------------------------------------------------
    def _fixed_widths(self, strategy: str) -> Tensor:
        """Normalised widths ``(n_bins,)`` of the fixed strategies."""
        if strategy == 'uniform':
            return torch.full((self.n_bins, ),
                              1.0 / self.n_bins,
                              dtype=torch.float64).float()
        edges = torch.exp(
            torch.linspace(
                math.log(self.min_depth),
                math.log(self.max_depth),
                self.n_bins + 1,
                dtype=torch.float64))
        widths = torch.diff(edges) / (self.max_depth - self.min_depth)
        return (widths / widths.sum()).float()

    def normalize_widths(self, logits: Tensor) -> Tensor:
        """Eq. (1): ``(relu(b') + eps) / sum(relu(b') + eps)`` on the last
        dimension."""
        widths = F.relu(logits.float()) + self.bins_eps
        return widths / widths.sum(dim=-1, keepdim=True)

    def bins_from_widths(self, widths: Tensor) -> Tuple[Tensor, Tensor]:
        """Edges ``(N, n_bins + 1)`` and centres ``(N, n_bins)`` (Eq. (2))
        of normalised widths ``(N, n_bins)``."""
        scaled = (self.max_depth - self.min_depth) * widths
        edges = torch.cumsum(
            F.pad(scaled, (1, 0), value=self.min_depth), dim=1)
        centers = 0.5 * (edges[:, :-1] + edges[:, 1:])
        return edges, centers

    def bin_widths(self, logits: Optional[Tensor], batch_size: int,
                   ref: Tensor) -> Tensor:
        """Normalised bin widths ``(N, n_bins)`` of the configured
        strategy."""
        if self.bins_strategy == 'adaptive':
            return self.normalize_widths(logits)
        if self.bins_strategy == 'trained':
            widths = self.normalize_widths(self.bin_logits)
        else:
            widths = self.fixed_widths
        return widths.to(ref.device)[None].expand(batch_size, -1)

    def forward(self, inputs: Tuple[Tensor, ...]) -> Dict[str, Tensor]:
        """Depth and bins of multi-level features.

        Returns:
            dict: ``depth`` ``(N, 1, h, w)``, ``bin_edges``
            ``(N, n_bins + 1)``, ``bin_centers`` ``(N, n_bins)``.
        """
        feat = self.decode_final_conv(self.decode(inputs))
        logits, range_attention_maps = self.mini_vit(feat)
        widths = self.bin_widths(logits, feat.shape[0], feat)
        edges, centers = self.bins_from_widths(widths)
        probs = torch.softmax(self.conv_out(range_attention_maps), dim=1)
        depth = torch.sum(
            probs * centers[:, :, None, None], dim=1, keepdim=True)
        return dict(depth=depth, bin_edges=edges, bin_centers=centers)

    def loss_by_feat(self, outputs: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """``loss_decode`` (SigLoss) on the depth upsampled to the GT size,
        plus the chamfer loss between bin centres and GT depths.

        Args:
            outputs (dict): :meth:`forward` output.
            batch_data_samples (list[DepthDataSample]): With
                ``gt_depth_map``.

        Returns:
            dict[str, Tensor]: e.g. ``loss_sig``, ``loss_chamfer``.
        """
        gt = stack_gt_depth(batch_data_samples)
        pred = self.resize(outputs['depth'], gt.shape[-2:])
        losses = self.compute_losses(pred, gt)
        if self.loss_chamfer is not None:
            name = self.loss_chamfer.loss_name
            if name in losses:
                raise KeyError(f'AdabinsHead: loss_chamfer name {name!r} '
                               'clashes with a loss_decode name')
            losses[name] = self.loss_chamfer(outputs['bin_centers'], gt)
        return losses

    def predict_by_feat(self, outputs: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """Depth ``(N, 1, H_in, W_in)``: clamped at the head's resolution,
        then resized to the batch input shape."""
        return super().predict_by_feat(outputs['depth'], batch_img_metas)
