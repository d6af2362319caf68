"""ACAN's decode head: context aggregation + ordinal regression over depth
intervals."""
import logging
import math
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.logging import print_log
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from ..layers.context_aggregation import ContextAggregationModule
from .base_depth_head import BaseDepthHead, input_shape, stack_gt_depth

DISCRETIZATIONS = ('log', 'sid', 'uniform')
CLASSIFIERS = ('ordinal', 'ce')
INFERENCES = ('soft', 'hard')
LABEL_MODES = ('floor', 'round')
CE_VALUES = ('centers', 'thresholds')


def interval_edges(min_depth: float,
                   max_depth: float,
                   num_intervals: int,
                   discretization: str = 'log',
                   num_edges: Optional[int] = None) -> Tensor:
    """Edges ``t_0 < t_1 < ...`` of the depth intervals.

    Interval ``l`` is ``[t_l, t_{l+1})``. With ``alpha = min_depth``,
    ``beta = max_depth``, ``K = num_intervals``:

    * ``'log'`` (ACAN Eq. (9)): ``t_k = exp(ln alpha + k (ln beta -
      ln alpha) / (K - 1))``, so ``t_0 = alpha`` and ``t_{K-1} = beta``.
    * ``'sid'`` (DORN's spacing-increasing discretisation): with the shift
      ``xi = 1 - alpha``, ``t_k = exp(k ln(beta + xi) / K) - xi``, so
      ``t_0 = alpha`` and ``t_K = beta``.
    * ``'uniform'``: ``t_k = alpha + k (beta - alpha) / K``.

    The formulas are extended past the range for ``k >= K`` (hard
    inference reads ``t_{K+1}``); predictions beyond ``max_depth`` are
    clamped by the depther.

    Args:
        min_depth (float): ``alpha`` > 0 (``'sid'`` and ``'uniform'``
            accept 0).
        max_depth (float): ``beta`` > ``alpha``.
        num_intervals (int): ``K`` >= 2.
        discretization (str): ``'log'``, ``'sid'`` or ``'uniform'``.
        num_edges (int, optional): How many edges to return. Defaults to
            ``K + 2`` (``t_0 ... t_{K+1}``).

    Returns:
        Tensor: ``(num_edges,)`` float64.
    """
    if discretization not in DISCRETIZATIONS:
        raise ValueError(f'discretization must be one of {DISCRETIZATIONS}, '
                         f'got {discretization!r}')
    if num_intervals < 2:
        raise ValueError(f'num_intervals must be >= 2, got {num_intervals}')
    if not max_depth > min_depth:
        raise ValueError(f'max_depth ({max_depth}) must exceed min_depth '
                         f'({min_depth})')
    if discretization == 'log' and not min_depth > 0:
        raise ValueError("discretization='log' needs min_depth > 0, got "
                         f'{min_depth}')
    if min_depth < 0:
        raise ValueError(f'min_depth must be >= 0, got {min_depth}')
    num_edges = num_intervals + 2 if num_edges is None else num_edges
    k = torch.arange(num_edges, dtype=torch.float64)
    if discretization == 'log':
        step = (math.log(max_depth) - math.log(min_depth)) / (
            num_intervals - 1)
        return torch.exp(math.log(min_depth) + k * step)
    if discretization == 'sid':
        xi = 1.0 - min_depth
        return torch.exp(k * math.log(max_depth + xi) / num_intervals) - xi
    return min_depth + k * (max_depth - min_depth) / num_intervals


def ordinal_probabilities(logits: Tensor) -> Tensor:
    """``P_k = P(l > k)`` from ``(N, 2K, ...)`` ordinal logits, Eq. (10):
    ``exp(y_2k+1) / (exp(y_2k) + exp(y_2k+1))``.

    Returns:
        Tensor: ``(N, K, ...)``.
    """
    n, c = logits.shape[:2]
    y = logits.reshape(n, c // 2, 2, *logits.shape[2:])
    return torch.sigmoid(y[:, :, 1] - y[:, :, 0])


def hard_ordinal_inference(probs: Tensor, centers: Tensor) -> Tensor:
    """Eq. (12): ``l = sum_k [P_k >= 0.5]``, ``d = (t_l + t_{l+1}) / 2``.

    Args:
        probs (Tensor): ``(N, K, H, W)`` ordinal probabilities.
        centers (Tensor): ``(K + 1,)`` interval centres
            ``(t_l + t_{l+1}) / 2`` for ``l = 0 ... K``.

    Returns:
        Tensor: ``(N, 1, H, W)`` depth.
    """
    label = (probs >= 0.5).sum(dim=1, keepdim=True)
    return centers.to(probs.dtype)[label]


def soft_ordinal_inference(probs: Tensor, centers: Tensor) -> Tensor:
    """Soft ordinal inference, Eq. (13).

    ``S = sum_k P_k``, ``l = floor(S)``, ``D = S - l``::

        d = (t_l + t_{l+1}) / 2 * (1 - D) + (t_{l+1} + t_{l+2}) / 2 * D

    i.e. linear interpolation of the centre table at the continuous
    index ``S``. Continuous in the probabilities, and differentiable except
    where ``S`` is an integer.

    Args:
        probs (Tensor): ``(N, K, H, W)``.
        centers (Tensor): ``(K + 1,)``.

    Returns:
        Tensor: ``(N, 1, H, W)``.
    """
    centers = centers.to(probs.dtype)
    num = centers.numel()
    s = probs.sum(dim=1, keepdim=True)
    low = s.detach().floor().long().clamp(0, num - 1)
    frac = s - low.to(s.dtype)
    high = (low + 1).clamp(max=num - 1)
    return centers[low] * (1 - frac) + centers[high] * frac


def hard_ce_inference(logits: Tensor, centers: Tensor) -> Tensor:
    """Table III's "CE(hard)": the centre of the arg-max interval.

    Args:
        logits (Tensor): ``(N, K, H, W)``.
        centers (Tensor): ``(>= K,)`` depth of each interval, the centres
            ``(t_l + t_{l+1}) / 2`` (or the thresholds ``t_l``, as the
            official code decodes); the first ``K`` are used.
    """
    label = logits.argmax(dim=1, keepdim=True)
    return centers.to(logits.dtype)[label]


def soft_ce_inference(logits: Tensor, centers: Tensor) -> Tensor:
    """Table III's "CE(soft)": the soft-weighted sum of Li et al. [19] in
    log space, ``d = exp(sum_l p_l ln c_l)`` with ``p = softmax(logits)``.

    Args:
        logits (Tensor): ``(N, K, H, W)``.
        centers (Tensor): ``(>= K,)`` depth of each interval (centres or
            thresholds); the first ``K`` are used.
    """
    k = logits.shape[1]
    log_c = centers[:k].to(logits.dtype).log().view(1, k, 1, 1)
    probs = logits.softmax(dim=1)
    return (probs * log_c).sum(dim=1, keepdim=True).exp()


@MODELS.register_module()
class OrdinalRegressionHead(BaseDepthHead):
    """ACAN's decoder: context aggregation module + interval classifier.

    Pipeline (input: the last encoder feature at output stride 8)::

        x (N, C_in, h, w) --CAM--> [attention context | image pooling]
          [--dropout (fusion_dropout_ratio)] --1x1 conv+norm+act-->
          dropout --1x1 conv--> logits
          (N, 2K, h, w) ordinal, or (N, K, h, w) with classifier='ce'

    ``forward`` returns ``dict(logits=..., attention=(N, h*w, h*w))`` at the
    feature resolution. For the losses and for prediction the logits are
    upsampled bilinearly to the ground-truth / input size (ACAN predicts
    at 1/8 and upsamples; the paper's code upsamples the logits), then:

    * training: the ground truth is discretised into ``K`` interval labels
      (:func:`interval_edges`; label ``l`` <=> ``t_l <= d < t_{l+1}``) and
      every loss of ``loss_decode`` with ``interval_loss = True``
      (:class:`OrdinalRegressionLoss`, :class:`IntervalCrossEntropyLoss`)
      gets ``(logits, labels, valid_mask)``; any other loss (e.g.
      ``SigLoss``) gets the soft-inference depth and the ground truth.
      ``loss_attention`` (:class:`AttentionKLLoss`) gets the attention map
      and the ground truth.
    * inference: ``'soft'`` (Eq. (13)) or ``'hard'`` (Eq. (12)) ordinal
      inference; with ``classifier='ce'``, soft-weighted sum or arg-max
      (Table III). ``test_cfg['inference']`` overrides the head's
      ``inference`` at test time.

    Labels use the interval edges: ``l* = floor((g(d) - g(alpha)) /
    step)`` with ``g = ln`` for ``'log'``. For ``'log'`` the edges are
    exactly Eq. (9)'s thresholds (step ``(ln beta - ln alpha) / (K - 1)``).
    Eq. (8) as printed divides by ``K`` instead, which would not match
    Eq. (9)/(12): decoding the label of Eq. (8) with Eq. (12) would bias
    far depths by up to one interval; here labels, thresholds and the
    decoded interval centres agree. Valid ground truth outside
    ``[min_depth, max_depth]`` is clamped into the first / last interval
    (counted and reported by a warning). Labels lie in ``[0, K-1]``.

    Official-code variants (github.com/miraiaroha/ACAN; each off by
    default, see ``configs/acan/README.md``, "Differences from the official
    code"): ``value_type='conv3x3_conv1x1'``, ``pool_type='fc'``,
    ``fusion_norm=False`` and ``fusion_dropout_ratio=0.5`` give its
    context module and merge layers; ``label_mode='round'`` its labels;
    ``ce_values='thresholds'`` its CE decoding; ``upsample_scale=8`` with
    ``align_corners=True`` its logit upsampling.

    Args:
        in_channels (int): Channels of the input feature.
        channels (int): Channels after the fusion conv. Defaults to 512.
        num_intervals (int): ``K``. Defaults to 80 (the paper).
        in_index (int): Which backbone level to use. Defaults to -1.
        key_channels, value_channels, pool_channels (int): CAM widths.
            Default 512 each.
        image_pool (bool): CAM image-pooling branch. Defaults to True.
        value_type (str): CAM value embedding ``psi``, ``'conv1x1'`` or
            ``'conv3x3_conv1x1'`` (official code). Defaults to 'conv1x1'.
        pool_type (str): CAM image pooling, ``'conv'`` or ``'fc'``
            (official code). Defaults to 'conv'.
        pool_dropout_ratio (float): Dropout of ``pool_type='fc'``.
            Defaults to 0.5 (official code).
        fusion_norm (bool): Norm layer in the 1x1 fusion conv after the
            CAM; False gives the official code's conv (with bias) + act.
            Defaults to True.
        fusion_dropout_ratio (float): Dropout before the fusion conv
            (official code: 0.5). Defaults to 0.0 (none).
        dropout_ratio (float): Dropout before the classifier. Defaults to
            0.1.
        classifier (str): ``'ordinal'`` (2K logits, ordinal loss) or
            ``'ce'`` (K logits, cross-entropy). Defaults to 'ordinal'.
        inference (str): ``'soft'`` or ``'hard'``. Defaults to 'soft'.
        discretization (str): ``'log'`` (ACAN), ``'sid'`` (DORN) or
            ``'uniform'``. Defaults to 'log'.
        min_depth (float): ``alpha``, first edge. Defaults to 1.0.
        max_depth (float): ``beta``. Defaults to 80.0.
        label_mode (str): Ground-truth labels. ``'floor'``: interval index
            ``floor``, out-of-range depths clamped into the first / last
            interval. ``'round'`` (official code): ``round((g(d) - g(alpha))
            / step)``, i.e. the nearest threshold ``t_l``; depths outside
            the open range ``(min_depth, max_depth)`` and every pixel of
            label 0 are ignored (its ``ignore_index=0``). Defaults to
            'floor'.
        ce_values (str): Depth of interval ``l`` in CE decoding
            (``classifier='ce'`` only): ``'centers'`` ``(t_l + t_{l+1}) /
            2`` or ``'thresholds'`` ``t_l`` (official code). Defaults to
            'centers'.
        upsample_scale (int, optional): None: the logits are resized
            bilinearly straight to the ground-truth / input size. An int
            ``s`` (official code: 8): first upsampled by the factor ``s``
            (bilinear, the head's ``align_corners``; official: True), then
            resized to that size only if they still differ from it.
            Defaults to None.
        loss_decode (dict | list[dict]): Interval losses (and optional
            depth losses). Defaults to ``OrdinalRegressionLoss``.
        loss_attention (dict, optional): Attention loss; None disables it.
            Defaults to ``AttentionKLLoss`` with weight 0.1.
        norm_cfg (dict): Defaults to BN.
        **kwargs: Other :class:`BaseDepthHead` arguments (``conv_cfg``,
            ``act_cfg``, ``align_corners``, ``init_cfg``).
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 512,
                 num_intervals: int = 80,
                 in_index: int = -1,
                 key_channels: int = 512,
                 value_channels: int = 512,
                 pool_channels: int = 512,
                 image_pool: bool = True,
                 value_type: str = 'conv1x1',
                 pool_type: str = 'conv',
                 pool_dropout_ratio: float = 0.5,
                 fusion_norm: bool = True,
                 fusion_dropout_ratio: float = 0.0,
                 dropout_ratio: float = 0.1,
                 classifier: str = 'ordinal',
                 inference: str = 'soft',
                 discretization: str = 'log',
                 min_depth: float = 1.0,
                 max_depth: float = 80.0,
                 label_mode: str = 'floor',
                 ce_values: str = 'centers',
                 upsample_scale: Optional[int] = None,
                 norm_cfg: OptConfigType = dict(type='BN'),
                 loss_decode: Union[ConfigType, Sequence[ConfigType]] = dict(
                     type='OrdinalRegressionLoss', loss_weight=1.0),
                 loss_attention: OptConfigType = dict(
                     type='AttentionKLLoss', loss_weight=0.1),
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        if kwargs.get('scale_up'):
            raise ValueError('OrdinalRegressionHead: scale_up does not apply '
                             '(depth comes from the interval classifier)')
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            min_depth=min_depth,
            max_depth=max_depth,
            norm_cfg=norm_cfg,
            loss_decode=loss_decode,
            init_cfg=init_cfg,
            **kwargs)
        if classifier not in CLASSIFIERS:
            raise ValueError(f'OrdinalRegressionHead: classifier must be one '
                             f'of {CLASSIFIERS}, got {classifier!r}')
        self._check_inference(inference)
        if label_mode not in LABEL_MODES:
            raise ValueError(f'OrdinalRegressionHead: label_mode must be one '
                             f'of {LABEL_MODES}, got {label_mode!r}')
        if ce_values not in CE_VALUES:
            raise ValueError(f'OrdinalRegressionHead: ce_values must be one '
                             f'of {CE_VALUES}, got {ce_values!r}')
        if ce_values != 'centers' and classifier != 'ce':
            raise ValueError(
                f'OrdinalRegressionHead: ce_values={ce_values!r} applies to '
                f"classifier='ce' only, got classifier={classifier!r}")
        if upsample_scale is not None and (isinstance(upsample_scale, bool)
                                           or int(upsample_scale)
                                           != float(upsample_scale)
                                           or int(upsample_scale) < 1):
            raise ValueError('OrdinalRegressionHead: upsample_scale must be '
                             f'None or a positive int, got {upsample_scale!r}')
        if not 0 <= fusion_dropout_ratio < 1:
            raise ValueError('OrdinalRegressionHead: fusion_dropout_ratio '
                             f'must be in [0, 1), got {fusion_dropout_ratio}')
        self.label_mode = label_mode
        self.ce_values = ce_values
        self.upsample_scale = (None if upsample_scale is None else
                               int(upsample_scale))
        self.num_intervals = int(num_intervals)
        self.in_index = in_index
        self.classifier = classifier
        self.inference = inference
        self.discretization = discretization
        edges = interval_edges(min_depth, max_depth, self.num_intervals,
                               discretization)
        # Interval l is [t_l, t_{l+1}); centres for l = 0 ... K.
        self.register_buffer('edges', edges.float(), persistent=False)
        self.register_buffer(
            'centers', ((edges[:-1] + edges[1:]) / 2).float(),
            persistent=False)
        logits_per_interval = 2 if classifier == 'ordinal' else 1
        for loss in self.loss_decode:
            got = getattr(loss, 'logits_per_interval', None)
            if getattr(loss, 'interval_loss', False) and \
                    got != logits_per_interval:
                raise ValueError(
                    f"OrdinalRegressionHead: classifier={classifier!r} needs "
                    f'interval losses with {logits_per_interval} logit(s) per '
                    f'interval, but loss_decode has {type(loss).__name__} '
                    f'({got}); use OrdinalRegressionLoss for ordinal, '
                    'IntervalCrossEntropyLoss for ce')
        self.loss_attention = (
            MODELS.build(loss_attention)
            if loss_attention is not None else None)
        self.cam = ContextAggregationModule(
            in_channels,
            key_channels=key_channels,
            value_channels=value_channels,
            pool_channels=pool_channels,
            image_pool=image_pool,
            value_type=value_type,
            pool_type=pool_type,
            pool_dropout_ratio=pool_dropout_ratio,
            conv_cfg=self.conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=self.act_cfg)
        self.fusion_dropout = nn.Dropout2d(fusion_dropout_ratio) \
            if fusion_dropout_ratio > 0 else nn.Identity()
        self.bottleneck = ConvModule(
            self.cam.out_channels,
            channels,
            1,
            conv_cfg=self.conv_cfg,
            norm_cfg=norm_cfg if fusion_norm else None,
            act_cfg=self.act_cfg)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 \
            else nn.Identity()
        self.conv_cls = nn.Conv2d(channels,
                                  logits_per_interval * self.num_intervals, 1)
        # Small classifier weights: every P_k starts near 0.5.
        nn.init.normal_(self.conv_cls.weight, 0, 0.01)
        nn.init.zeros_(self.conv_cls.bias)
        self._num_clamped = 0
        self._num_label_calls = 0

    # ------------------------------------------------------------------
    @staticmethod
    def _check_inference(inference: str) -> None:
        if inference not in INFERENCES:
            raise ValueError(f'OrdinalRegressionHead: inference must be one '
                             f'of {INFERENCES}, got {inference!r}')

    def forward(
            self, inputs: Union[Tensor, Tuple[Tensor,
                                              ...]]) -> Dict[str, Tensor]:
        """Compute the interval logits and the attention map.

        Args:
            inputs (Tensor | tuple[Tensor]): Backbone features; level
                ``in_index`` ``(N, C_in, h, w)`` is used.

        Returns:
            dict: ``logits`` ``(N, 2K or K, h, w)`` and ``attention``
            ``(N, h*w, h*w)``.
        """
        x = inputs if isinstance(inputs, Tensor) else inputs[self.in_index]
        feat, attn = self.cam(x)
        feat = self.dropout(self.bottleneck(self.fusion_dropout(feat)))
        return dict(logits=self.conv_cls(feat), attention=attn)

    # ------------------------------------------------------------------
    def depth_to_label(self,
                       depth: Tensor,
                       valid_mask: Optional[Tensor] = None) -> Tensor:
        """Interval labels of a depth map.

        Args:
            depth (Tensor): ``(N, 1, H, W)`` or ``(N, H, W)`` metres.
            valid_mask (Tensor, optional): Same shape, bool; pixels counted
                in the out-of-range warning. Defaults to ``depth > 0``.

        Returns:
            Tensor: Long labels in ``[0, K - 1]``, same shape (0 where
            invalid). With ``label_mode='round'`` depths outside the open
            range ``(min_depth, max_depth)`` get label 0 as well, and label
            0 means "ignored" (:meth:`labels_and_mask`).
        """
        if valid_mask is None:
            valid_mask = depth > 0
        lo, hi = self.min_depth, self.max_depth
        if self.label_mode == 'round':
            return self._round_labels(depth, valid_mask)
        out_of_range = valid_mask & ((depth < lo) | (depth > hi))
        num_out = int(out_of_range.sum())
        self._num_label_calls += 1
        if num_out:
            first = self._num_clamped == 0
            self._num_clamped += num_out
            if first or self._num_label_calls % 1000 == 0:
                print_log(
                    f'OrdinalRegressionHead: {num_out} of '
                    f'{int(valid_mask.sum())} valid ground-truth pixels in '
                    f'this batch lie outside [min_depth, max_depth] = '
                    f'[{lo}, {hi}] and were clamped into the first/last '
                    f'interval ({self._num_clamped} so far; warned on the '
                    'first occurrence and every 1000 batches).',
                    logger='current',
                    level=logging.WARNING)
        d = depth.float().clamp(lo, hi)
        if self.discretization == 'log':
            g, g0 = torch.log(d), math.log(lo)
            step = (math.log(hi) - g0) / (self.num_intervals - 1)
        elif self.discretization == 'sid':
            xi = 1.0 - lo
            g, g0 = torch.log(d + xi), 0.0
            step = math.log(hi + xi) / self.num_intervals
        else:
            g, g0 = d, lo
            step = (hi - lo) / self.num_intervals
        label = torch.floor((g - g0) / step).long()
        label = label.clamp(0, self.num_intervals - 1)
        return torch.where(valid_mask, label, torch.zeros_like(label))

    def _round_labels(self, depth: Tensor, valid_mask: Tensor) -> Tensor:
        """The official code's labels: nearest threshold index, 0 outside
        ``(min_depth, max_depth)``."""
        lo, hi = self.min_depth, self.max_depth
        d = depth.float()
        in_range = valid_mask & (d > lo) & (d < hi)
        d = torch.where(in_range, d, torch.full_like(d, lo))
        if self.discretization == 'log':
            # the official arithmetic: ln(d / a) / ln(b / a) * (K - 1)
            index = torch.log(d / lo) / math.log(hi / lo) * (
                self.num_intervals - 1)
        elif self.discretization == 'sid':
            xi = 1.0 - lo
            index = torch.log(d + xi) / (
                math.log(hi + xi) / self.num_intervals)
        else:
            index = (d - lo) / ((hi - lo) / self.num_intervals)
        label = torch.round(index).long().clamp(0, self.num_intervals - 1)
        return torch.where(in_range, label, torch.zeros_like(label))

    def labels_and_mask(self, gt: Tensor) -> Tuple[Tensor, Tensor]:
        """Interval labels and the mask of the pixels that enter the
        interval losses.

        Args:
            gt (Tensor): ``(N, 1, H, W)`` metres, 0 where invalid.

        Returns:
            tuple[Tensor, Tensor]: Long labels ``(N, H, W)`` and the bool
            mask ``(N, H, W)``: ``gt > 0``; with ``label_mode='round'``
            also ``min_depth < gt < max_depth`` and label != 0 (the
            official code's ``ignore_index=0``).
        """
        valid = gt > 0
        labels = self.depth_to_label(gt, valid)[:, 0]
        valid = valid[:, 0]
        if self.label_mode == 'round':
            valid = valid & (labels != 0)
        return labels, valid

    def upsample_logits(self, logits: Tensor, size: Sequence[int]) -> Tensor:
        """Logits at the feature resolution -> ``size``: bilinear resize,
        after an upsampling by ``upsample_scale`` when that is set.

        Args:
            logits (Tensor): ``(N, C, h, w)``.
            size (tuple[int, int]): Target ``(H, W)``.

        Returns:
            Tensor: ``(N, C, H, W)``.
        """
        if self.upsample_scale is not None and self.upsample_scale > 1:
            logits = F.interpolate(
                logits,
                scale_factor=self.upsample_scale,
                mode='bilinear',
                align_corners=self.align_corners)
        return self.resize(logits, size)

    def decode_depth(self,
                     logits: Tensor,
                     inference: Optional[str] = None) -> Tensor:
        """Depth ``(N, 1, H, W)`` from logits ``(N, 2K or K, H, W)``.

        Args:
            logits (Tensor): Interval logits at any resolution.
            inference (str, optional): ``'soft'`` or ``'hard'``; defaults
                to the head's ``inference``.
        """
        inference = inference or self.inference
        self._check_inference(inference)
        with torch.autocast(device_type=logits.device.type, enabled=False):
            logits = logits.float()
            if self.classifier == 'ordinal':
                probs = ordinal_probabilities(logits)
                if inference == 'soft':
                    return soft_ordinal_inference(probs, self.centers)
                return hard_ordinal_inference(probs, self.centers)
            values = self.edges if self.ce_values == 'thresholds' \
                else self.centers
            if inference == 'soft':
                return soft_ce_inference(logits, values)
            return hard_ce_inference(logits, values)

    # ------------------------------------------------------------------
    def loss_by_feat(self, outputs: Dict[str, Tensor],
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Interval losses at the ground-truth resolution and the attention
        loss at the attention's.

        Args:
            outputs (dict): :meth:`forward`'s output.
            batch_data_samples (list[DepthDataSample]): With
                ``gt_depth_map``.

        Returns:
            dict[str, Tensor]: Losses.
        """
        gt = stack_gt_depth(batch_data_samples)  # (N, 1, H, W)
        logits = self.upsample_logits(outputs['logits'], gt.shape[-2:])
        labels, valid = self.labels_and_mask(gt)
        losses: Dict[str, Tensor] = {}
        depth = None
        for loss_module in self.loss_decode:
            if getattr(loss_module, 'interval_loss', False):
                value = loss_module(logits, labels, valid)
            else:
                if depth is None:
                    depth = self.decode_depth(logits, 'soft')
                value = loss_module(depth, gt)
            self.add_loss(losses, loss_module, value)
        if self.loss_attention is not None:
            value = self.loss_attention(outputs['attention'], gt,
                                        outputs['logits'].shape[-2:])
            self.add_loss(losses, self.loss_attention, value)
        return losses

    def predict(self,
                inputs: Tuple[Tensor, ...],
                batch_img_metas: List[dict],
                test_cfg: OptConfigType = None) -> Tensor:
        """Depth ``(N, 1, H_in, W_in)``; ``test_cfg['inference']``
        (``'soft'``/``'hard'``) overrides the head's ``inference``."""
        inference = None
        if test_cfg is not None:
            inference = test_cfg.get('inference', None)
        return self.predict_by_feat(
            self.forward(inputs), batch_img_metas, inference)

    def predict_by_feat(self,
                        outputs: Dict[str, Tensor],
                        batch_img_metas: List[dict],
                        inference: Optional[str] = None) -> Tensor:
        """Upsample the logits to the batch input size and decode depth."""
        logits = self.upsample_logits(outputs['logits'],
                                      input_shape(batch_img_metas))
        return self.decode_depth(logits, inference).clamp(
            min=self.min_depth, max=self.max_depth)
