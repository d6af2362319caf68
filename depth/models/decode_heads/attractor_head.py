"""LacDepth's second stage: attractor-refined bin centres and conditional
log-binomial probabilities (Sec. 2.3, Eq. (1), Figs. 1 and 4)."""
from typing import Dict, List, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, SampleList
from ..layers.attractor_layer import AttractorLayer
from ..layers.log_binomial import LogBinomial
from ..layers.seed_bin_regressor import SeedBinRegressor
from .base_depth_head import BaseDepthHead, stack_gt_depth


def _projector(in_channels: int, out_channels: int, hidden: int) -> nn.Module:
    """Bin-embedding projector: 1x1 conv, ReLU, 1x1 conv."""
    return nn.Sequential(
        nn.Conv2d(in_channels, hidden, 1), nn.ReLU(inplace=True),
        nn.Conv2d(hidden, out_channels, 1))


@MODELS.register_module()
class AttractorHead(BaseDepthHead):
    """Metric depth from per-pixel bins moved by attractors, weighted by
    conditional log-binomial probabilities.

    **Input** (the output of :class:`LaplacianPyramidNeck`):
    ``(R, z_1, ..., z_M, f)``, the relative depth ``R`` ``(N, 1, H, W)``,
    decoder features finest first (strides ``2 .. 2 ** M``) and the encoder
    bottleneck ``f``.

    **Bins** (Fig. 4). A seed regressor on ``f`` gives ``n_bins`` centres
    per pixel (:class:`SeedBinRegressor`) and a projector the bin embedding
    ``B_e`` (``seed_conv=True``: both on ``conv1x1(f)``, as ZoeDepth's
    ``conv2``; the paper has no such conv). Then, coarse to fine over
    ``z_M .. z_1``, with ``n_attractors[j]`` attractors at the j-th level
    (default ``(16, 8, 4, 1)``, 16 at the coarsest)::

        e_j = proj_j(z) + Up(e_{j-1})          (residual embedding)
        b_j, c_j = AttractorLayer_j(e_j, b_{j-1})

    (ZoeDepth adds the previous *projection*; the paper adds the previous
    embedding, which is what is done here.)

    **Probabilities.** ``z_1`` is reduced to ``channels`` by a 1x1 conv,
    upsampled to the size of ``R`` and concatenated with it (the paper's
    enhanced feature ``F'``); with the last embedding upsampled as the
    condition, :class:`LogBinomial` gives the probabilities ``p_k``
    (``prob_type='log_binomial'``), or a 1x1-conv MLP and a softmax do
    (``prob_type='softmax'``, the ablation). The centres of the last level
    are upsampled to the same size and, Eq. (1),
    ``depth = sum_k p_k c_k``. With ``'normed'`` centres every centre lies
    in ``[min_depth, max_depth]``, so the depth does too.

    Every bilinear resize (the embeddings, the previous centres inside
    :class:`AttractorLayer`, the last centres to the size of ``R``, the
    prediction to the ground truth) uses the head's ``align_corners``:
    False by default; ZoeDepth uses True throughout
    (``align_corners=True``).

    Args:
        in_channels (Sequence[int]): ``[1, c_z1, ..., c_zM, c_f]``, i.e.
            the neck's ``out_channels``.
        channels (int): Width of the reduced ``z_1``. Defaults to 32.
        n_bins (int): Number of bins ``Z``. Defaults to 64.
        n_attractors (Sequence[int]): Attractors per level, coarse to fine;
            one entry per decoder feature. Defaults to ``(16, 8, 4, 1)``.
        bin_embedding_dim (int): Width of the bin embeddings. Defaults to
            128.
        seed_mlp_dim (int): Hidden width of the seed regressor. Defaults to
            256.
        attractor_mlp_dim (int): Hidden width of the attractor MLPs.
            Defaults to 128.
        attractor_alpha (float): ``alpha`` of Eq. (5). Defaults to 300
            (the paper does not give it; ZoeDepth's effective value).
        attractor_gamma (float): ``gamma`` of Eq. (5). Defaults to 2.
        attractor_type (str): ``'exp'`` (Eq. (5)) or ``'inv'``.
        attractor_aggregation (str): ``'sum'`` (Eq. (5)) or ``'mean'``.
        bin_centers_type (str): ``'normed'`` (bounded, default) or
            ``'softplus'`` (metric, unbounded: the depther's post-processing
            clamps the prediction then).
        normalize_attractors (bool): See :class:`AttractorLayer`.
            Defaults to True.
        prob_type (str): ``'log_binomial'`` (default) or ``'softmax'``.
        min_temp (float): Lowest log-binomial temperature. Defaults to
            0.0212.
        max_temp (float): Highest log-binomial temperature. Defaults to 50.
        stirling (bool): Stirling approximation of the log factorials.
            Defaults to True.
        bottleneck_factor (int): Hidden-width divisor of the probability
            MLP. Defaults to 2.
        seed_conv (bool): A 1x1 conv ``c_f -> c_f`` (with bias) on the
            bottleneck before the seed regressor and the seed projector,
            as ZoeDepth's ``conv2``. Defaults to False (the paper).
        max_depth (float): Upper end of the depth range (required).
        loss_decode (dict | list[dict]): Losses of the final depth.
            Defaults to LacDepth's Eq. (7): ``SqrtSILogLoss`` with weight
            ``u = 10`` and ``GradientLoss`` with weight ``v = 0.1`` from
            training iteration 30.
        **kwargs: See :class:`BaseDepthHead` (``min_depth``,
            ``align_corners``, ``norm_cfg``, ...).

    Returns of :meth:`forward`:
        dict: ``pred_depth`` ``(N, 1, H, W)``, ``bin_centers`` and
        ``probs`` ``(N, n_bins, H, W)``, ``rel_depth`` ``(N, 1, H, W)``
        (``H, W`` of ``R``, the network input size).
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 32,
                 n_bins: int = 64,
                 n_attractors: Sequence[int] = (16, 8, 4, 1),
                 bin_embedding_dim: int = 128,
                 seed_mlp_dim: int = 256,
                 attractor_mlp_dim: int = 128,
                 attractor_alpha: float = 300.0,
                 attractor_gamma: float = 2.0,
                 attractor_type: str = 'exp',
                 attractor_aggregation: str = 'sum',
                 bin_centers_type: str = 'normed',
                 normalize_attractors: bool = True,
                 prob_type: str = 'log_binomial',
                 min_temp: float = 0.0212,
                 max_temp: float = 50.0,
                 stirling: bool = True,
                 bottleneck_factor: int = 2,
                 seed_conv: bool = False,
                 max_depth: float = None,
                 loss_decode: Union[ConfigType, Sequence[ConfigType]] = (
                     dict(type='SqrtSILogLoss', loss_weight=10.0),
                     dict(type='GradientLoss', loss_weight=0.1,
                          start_iter=30)),
                 **kwargs) -> None:
        name = type(self).__name__
        if max_depth is None:
            raise ValueError(f'{name}: max_depth is required')
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            max_depth=max_depth,
            loss_decode=list(loss_decode)
            if isinstance(loss_decode, tuple) else loss_decode,
            **kwargs)
        in_channels = list(in_channels)
        n_attractors = list(n_attractors)
        if len(in_channels) < 3 or in_channels[0] != 1:
            raise ValueError(
                f'{name}: in_channels must be [1 (relative depth), decoder '
                f'channels finest first..., bottleneck channels], got '
                f'{in_channels}')
        dec_channels = in_channels[1:-1]
        if len(n_attractors) != len(dec_channels):
            raise ValueError(
                f'{name}: n_attractors needs one entry per decoder feature '
                f'({len(dec_channels)} for in_channels={in_channels}), got '
                f'{n_attractors}')
        if prob_type not in ('log_binomial', 'softmax'):
            raise ValueError(f"{name}: prob_type must be 'log_binomial' or "
                             f"'softmax', got {prob_type!r}")
        self.n_bins = n_bins
        self.n_attractors = n_attractors
        self.prob_type = prob_type
        self.bin_centers_type = bin_centers_type

        self.seed_conv = nn.Conv2d(in_channels[-1], in_channels[-1], 1) \
            if seed_conv else nn.Identity()
        self.seed_regressor = SeedBinRegressor(in_channels[-1], n_bins,
                                               seed_mlp_dim, self.min_depth,
                                               max_depth, bin_centers_type)
        self.seed_projector = _projector(in_channels[-1], bin_embedding_dim,
                                         bin_embedding_dim)
        # coarse to fine: decoder features z_M .. z_1
        self.projectors = nn.ModuleList([
            _projector(c, bin_embedding_dim, bin_embedding_dim)
            for c in reversed(dec_channels)
        ])
        self.attractors = nn.ModuleList([
            AttractorLayer(bin_embedding_dim, n_bins, n_a, attractor_mlp_dim,
                           self.min_depth, max_depth, attractor_alpha,
                           attractor_gamma, attractor_type,
                           attractor_aggregation, bin_centers_type,
                           normalize_attractors, self.align_corners)
            for n_a in n_attractors
        ])
        self.reduce = ConvModule(
            dec_channels[0],
            channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        if prob_type == 'log_binomial':
            self.prob_layer = LogBinomial(
                channels + 1,
                bin_embedding_dim,
                n_bins,
                bottleneck_factor,
                min_temp=min_temp,
                max_temp=max_temp,
                stirling=stirling)
        else:
            hidden = (channels + 1 + bin_embedding_dim) // bottleneck_factor
            self.prob_layer = nn.Sequential(
                nn.Conv2d(channels + 1 + bin_embedding_dim, hidden, 1),
                nn.GELU(), nn.Conv2d(hidden, n_bins, 1))

    def forward(self, inputs: Tuple[Tensor, ...]) -> Dict[str, Tensor]:
        name = type(self).__name__
        if len(inputs) != len(self.in_channels):
            raise ValueError(
                f'{name}: expected {len(self.in_channels)} inputs (relative '
                f'depth, decoder features, bottleneck), got {len(inputs)}')
        rel, dec, bottleneck = inputs[0], inputs[1:-1], inputs[-1]
        bottleneck = self.seed_conv(bottleneck)
        b, centers = self.seed_regressor(bottleneck)
        emb = self.seed_projector(bottleneck)
        for proj, attractor, z in zip(self.projectors, self.attractors,
                                      reversed(dec)):
            emb = proj(z) + self.resize(emb, z.shape[-2:])
            b, centers = attractor(emb, b)

        size = rel.shape[-2:]
        feat = torch.cat([self.resize(self.reduce(dec[0]), size), rel], dim=1)
        cond = self.resize(emb, size)
        if self.prob_type == 'log_binomial':
            probs = self.prob_layer(feat, cond)
        else:
            probs = torch.softmax(
                self.prob_layer(torch.cat([feat, cond], dim=1)), dim=1)
        centers = self.resize(centers, size)
        depth = (probs * centers).sum(dim=1, keepdim=True)
        return dict(
            pred_depth=depth, bin_centers=centers, probs=probs, rel_depth=rel)

    def loss_by_feat(self, outputs: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Losses of ``outputs['pred_depth']`` upsampled to the GT size."""
        gt = stack_gt_depth(batch_data_samples)
        pred = self.resize(outputs['pred_depth'], gt.shape[-2:])
        return self.compute_losses(pred, gt)

    def predict_by_feat(self, outputs: Dict[str, Tensor],
                        batch_img_metas: List[dict]) -> Tensor:
        """``outputs['pred_depth']`` at the batch input size."""
        return super().predict_by_feat(outputs['pred_depth'], batch_img_metas)
