"""BinsFormer decode head (Li et al., "BinsFormer: Revisiting Adaptive Bins
for Monocular Depth Estimation", 2022)."""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptConfigType, OptMultiConfig, SampleList
from ..layers import BinsTransformerDecoder, DeformableTransformerEncoder
from ..utils import xavier_init_matrices
from .base_depth_head import BaseDepthHead, stack_gt_depth


@MODELS.register_module()
class BinsFormerHead(BaseDepthHead):
    """BinsFormer: adaptive bins from a Transformer decoder.

    Data flow (``C = channels``; backbone levels ``x_0..x_3`` at strides 4,
    8, 16, 32)::

        pixel-level decoder
          skip_proj: 1x1 conv + BN + act of x_i, i in trans_index (8/16/32)
          encoder:   deformable self-attention over those levels, jointly
                     -> e_8, e_16, e_32 (the multi-scale pixel features)
          FPN, top-down from y = e_8 over fpn_index (x_16, x_8, x_4):
                     y = output_conv(lateral_conv(x_i) + up(y))
                     -> per-pixel feature F (N, C, H/4, W/4)
        bins decoder (BinsTransformerDecoder), n_bins (+1) queries, layer l
          attends to [e_32, e_16, e_8][level(l)]; after every layer:
          widths  w = softmax(bins_embed(q)) (N, n_bins), normalised,
          edges   e = cumsum([min_depth, (max_depth - min_depth) * w]),
          centres c_k = (e_k + e_{k+1}) / 2,
          probs   p = softmax_k(<mask_embed(q_k), F(x)>) (N, n_bins, h, w),
          depth   d(x) = sum_k p_k(x) c_k (N, 1, H/4, W/4).

    The up-sampling is bilinear with ``align_corners`` (True, as the
    original). With ``classify`` an extra query (index 0) predicts the scene
    class (auxiliary cross-entropy on ``class_label`` of each sample's
    metainfo, e.g. from :class:`~depth.datasets.NYUSceneDataset`).

    Losses (multi-scale refinement): ``loss_decode`` on the last layer's
    depth and ``aux_weight[j] * loss_decode`` on layer ``aux_index[j]``'s
    (keys ``<name>_aux<layer>``); the class loss on the same layers (not
    weighted by ``aux_weight``, as the original); optionally
    ``loss_chamfer`` on the bin centres (weighted like the depth loss). The
    original recipe supervises layers 2, 5 (weights 1/4, 1/2) and 8 of 9;
    ``aux_index=range(num_layers - 1)`` supervises every layer.

    Args:
        in_channels (Sequence[int]): Channels of the backbone levels.
        channels (int): Width ``C`` of the pixel decoder, the queries and
            the Transformers (the original's ``conv_dim``). Defaults to 256.
        n_bins (int): Number of bins. Defaults to 64.
        min_depth (float): Minimum depth. Defaults to 1e-3.
        max_depth (float): Maximum depth. Defaults to 10.
        trans_index (Sequence[int]): Backbone levels of the deformable
            encoder, finest first. Defaults to (1, 2, 3).
        fpn_index (Sequence[int]): Backbone levels of the top-down FPN,
            finest first; it runs coarse to fine. Defaults to (0, 1, 2).
        positional_encoding (dict): Sine encoding config of the encoder and
            decoder (``num_feats = C / 2``).
        encoder (dict): :class:`DeformableTransformerEncoder` arguments
            (``embed_dims`` and ``num_levels`` are set here).
        decoder (dict): :class:`BinsTransformerDecoder` arguments
            (``embed_dims``, ``num_levels``, ``classify``, ``num_classes``
            are set here).
        classify (bool): Add the scene-classification query. Defaults to
            True.
        num_classes (int): Scene classes. Defaults to 25.
        loss_class (dict): Class loss config. Defaults to
            ``SceneCrossEntropyLoss`` with weight 1e-2.
        loss_chamfer (dict, optional): Bin-centre loss. Defaults to None
            (off, as the released models).
        aux_index (Sequence[int]): Decoder layers with auxiliary losses.
            Defaults to (2, 5).
        aux_weight (Sequence[float]): Their depth-loss weights. Defaults to
            (0.25, 0.5).
        norm_cfg (dict): Norm of the convolutions. Defaults to BN.
        act_cfg (dict): Activation of the projections and FPN outputs.
            Defaults to LeakyReLU.
        align_corners (bool): Of every bilinear resize. Defaults to True.
        loss_decode (dict | list[dict]): Depth loss(es). Defaults to SigLoss
            with weight 10.
        init_cfg (dict, optional): Initialisation config.

    Shapes:
        ``forward(inputs)`` returns a dict of lists, one entry per decoder
        layer: ``depth`` ``(N, 1, H/4, W/4)``, ``bin_edges`` ``(N, n_bins +
        1)``, ``bin_centers`` ``(N, n_bins)``, ``probs`` ``(N, n_bins, H/4,
        W/4)``, ``class_logits`` ``(N, num_classes)`` (only with
        ``classify``).
    """

    def __init__(self,
                 in_channels: Sequence[int] = (96, 192, 384, 768),
                 channels: int = 256,
                 n_bins: int = 64,
                 min_depth: float = 1e-3,
                 max_depth: float = 10.,
                 trans_index: Sequence[int] = (1, 2, 3),
                 fpn_index: Sequence[int] = (0, 1, 2),
                 positional_encoding: ConfigType = dict(
                     type='SinePositionalEncoding',
                     num_feats=128,
                     normalize=True),
                 encoder: ConfigType = dict(
                     num_layers=6,
                     num_heads=8,
                     num_points=8,
                     feedforward_channels=1024,
                     dropout=0.1),
                 decoder: ConfigType = dict(
                     num_layers=9,
                     num_heads=8,
                     feedforward_channels=2048,
                     dropout=0.,
                     level_order='cycle'),
                 classify: bool = True,
                 num_classes: int = 25,
                 loss_class: ConfigType = dict(
                     type='SceneCrossEntropyLoss', loss_weight=1e-2),
                 loss_chamfer: OptConfigType = None,
                 aux_index: Sequence[int] = (2, 5),
                 aux_weight: Sequence[float] = (0.25, 0.5),
                 norm_cfg: ConfigType = dict(type='BN', requires_grad=True),
                 act_cfg: ConfigType = dict(type='LeakyReLU', inplace=True),
                 align_corners: bool = True,
                 loss_decode: ConfigType = dict(
                     type='SigLoss', loss_weight=10.),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            in_channels=in_channels,
            channels=channels,
            min_depth=min_depth,
            max_depth=max_depth,
            align_corners=align_corners,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
            loss_decode=loss_decode,
            init_cfg=init_cfg)
        if max_depth is None or not max_depth > min_depth:
            raise ValueError('BinsFormerHead: needs max_depth > min_depth, '
                             f'got {min_depth}, {max_depth}')
        num_inputs = len(in_channels)
        for name, idx in (('trans_index', trans_index), ('fpn_index',
                                                         fpn_index)):
            if not idx or any(i < 0 or i >= num_inputs for i in idx):
                raise ValueError(f'BinsFormerHead: {name} {list(idx)} must '
                                 f'index in_channels (length {num_inputs})')
        if len(aux_index) != len(aux_weight):
            raise ValueError('BinsFormerHead: aux_index and aux_weight differ '
                             f'in length: {list(aux_index)} vs '
                             f'{list(aux_weight)}')
        self.n_bins = n_bins
        self.trans_index = tuple(trans_index)
        self.fpn_index = tuple(fpn_index)
        self.num_levels = len(trans_index)
        self.classify = classify
        self.aux_index = tuple(aux_index)
        self.aux_weight = tuple(aux_weight)

        self.skip_proj = nn.ModuleList([
            ConvModule(
                in_channels[i],
                channels,
                1,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for i in self.trans_index
        ])
        self.positional_encoding = MODELS.build(positional_encoding)
        self.encoder = DeformableTransformerEncoder(
            **dict(encoder, embed_dims=channels, num_levels=self.num_levels))
        # top-down order: lateral_convs[0] is for the coarsest FPN level
        self.lateral_convs = nn.ModuleList([
            ConvModule(in_channels[i], channels, 1, norm_cfg=norm_cfg)
            for i in reversed(self.fpn_index)
        ])
        self.output_convs = nn.ModuleList([
            ConvModule(
                channels,
                channels,
                3,
                padding=1,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for _ in self.fpn_index
        ])
        self.level_embed = nn.Embedding(self.num_levels, channels)
        num_queries = n_bins + int(classify)
        self.query_content = nn.Embedding(num_queries, channels)
        self.query_pos = nn.Embedding(num_queries, channels)
        self.decoder = BinsTransformerDecoder(**dict(
            decoder,
            embed_dims=channels,
            num_levels=self.num_levels,
            classify=classify,
            num_classes=num_classes))
        bad = [
            i for i in self.aux_index if not 0 <= i < len(self.decoder.layers)
        ]
        if bad:
            raise ValueError(f'BinsFormerHead: aux_index {bad} outside the '
                             f'{len(self.decoder.layers)} decoder layers')
        self.loss_class = MODELS.build(loss_class) if classify else None
        self.loss_chamfer = MODELS.build(loss_chamfer) \
            if loss_chamfer is not None else None

    def init_weights(self) -> None:
        """Xavier-uniform for every matrix (queries and embeddings
        included), then the encoder's own initialisation, as the
        original."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        xavier_init_matrices(self)
        for m in self.modules():
            if isinstance(m, nn.Conv2d) and m.bias is not None:
                nn.init.constant_(m.bias, 0.)
        self.encoder.init_weights()
        self._is_init = True

    # ----------------------------------------------------------- forward
    def _pos(self, feat: Tensor) -> Tensor:
        """Sine encoding ``(N, C, h, w)`` of an unpadded map."""
        n, _, h, w = feat.shape
        mask = feat.new_zeros((n, h, w), dtype=torch.bool)
        return self.positional_encoding(mask).to(feat.dtype)

    def pixel_decoder(self,
                      inputs: Sequence[Tensor]) -> Tuple[List[Tensor], Tensor]:
        """Multi-scale pixel features and the per-pixel feature.

        Returns:
            tuple: the encoded levels coarse to fine (``num_levels`` maps
            ``(N, C, h_l, w_l)``) and the per-pixel feature ``(N, C, h_f,
            w_f)`` at the finest FPN level.
        """
        feats = [
            proj(inputs[i])
            for proj, i in zip(self.skip_proj, self.trans_index)
        ]
        encoded = self.encoder(feats, [self._pos(f) for f in feats])
        y = encoded[0]
        for lateral, output, i in zip(self.lateral_convs, self.output_convs,
                                      reversed(self.fpn_index)):
            cur = lateral(inputs[i])
            y = output(cur + F.interpolate(
                y,
                size=cur.shape[-2:],
                mode='bilinear',
                align_corners=self.align_corners))
        return encoded[::-1], y

    def bins_from_logits(self, bins: Tensor) -> Tuple[Tensor, Tensor]:
        """Bin edges ``(N, n_bins + 1)`` and centres ``(N, n_bins)`` from
        the unnormalised widths ``(N, n_bins)``: softmax-normalised widths
        scaled to ``max_depth - min_depth``, accumulated from
        ``min_depth``."""
        widths = torch.softmax(bins, dim=1)
        widths = widths / widths.sum(dim=1, keepdim=True)
        widths = F.pad(
            (self.max_depth - self.min_depth) * widths, (1, 0),
            value=self.min_depth)
        edges = torch.cumsum(widths, dim=1)
        return edges, 0.5 * (edges[:, :-1] + edges[:, 1:])

    def forward(self, inputs: Sequence[Tensor]) -> Dict[str, List[Tensor]]:
        """Predictions of every decoder layer (see the class docstring)."""
        if len(inputs) != len(self.in_channels):
            raise ValueError(f'BinsFormerHead: expects {len(self.in_channels)}'
                             f' input levels, got {len(inputs)}')
        levels, pixel_feat = self.pixel_decoder(inputs)
        srcs, src_pos = [], []
        for i, feat in enumerate(levels):
            pos = self._pos(feat) + self.level_embed.weight[i][None, :, None,
                                                               None]
            srcs.append(feat.flatten(2).transpose(1, 2))
            src_pos.append(pos.flatten(2).transpose(1, 2))
        n = pixel_feat.shape[0]
        content = self.query_content.weight[None].expand(n, -1, -1)
        pos = self.query_pos.weight[None].expand(n, -1, -1)
        all_bins, all_logits, all_cls = self.decoder(content, pos, srcs,
                                                     src_pos, pixel_feat)
        out: Dict[str, List[Tensor]] = dict(
            depth=[], bin_edges=[], bin_centers=[], probs=[])
        for bins, logits in zip(all_bins, all_logits):
            edges, centers = self.bins_from_logits(bins)
            probs = logits.softmax(dim=1)
            out['depth'].append(
                torch.sum(
                    probs * centers[:, :, None, None], dim=1, keepdim=True))
            out['bin_edges'].append(edges)
            out['bin_centers'].append(centers)
            out['probs'].append(probs)
        if self.classify:
            out['class_logits'] = all_cls
        return out

    # ------------------------------------------------------------- losses
    def class_labels(self, batch_data_samples: SampleList,
                     device: torch.device) -> Tensor:
        """``(N,)`` scene labels from each sample's ``class_label``."""
        labels = []
        for s in batch_data_samples:
            if 'class_label' not in s.metainfo:
                raise KeyError(
                    'BinsFormerHead: classify=True needs a `class_label` in '
                    'every data sample (NYUSceneDataset provides it; add '
                    "'class_label' to PackDepthInputs' meta_keys), or set "
                    'decode_head.classify=False')
            labels.append(int(s.metainfo['class_label']))
        return torch.tensor(labels, dtype=torch.long, device=device)

    def loss_by_feat(self, outputs: Dict[str, List[Tensor]],
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """Depth (and class, chamfer) losses of the last decoder layer and
        of the ``aux_index`` layers.

        Returns:
            dict[str, Tensor]: e.g. ``loss_sig``, ``loss_sig_aux2``,
            ``loss_ce``, ``loss_ce_aux2``.
        """
        gt = stack_gt_depth(batch_data_samples)
        labels = self.class_labels(batch_data_samples, gt.device) \
            if self.classify else None
        last = len(outputs['depth']) - 1
        losses: Dict[str, Tensor] = {}
        for layer, weight in list(zip(self.aux_index,
                                      self.aux_weight)) + [(last, 1.)]:
            suffix = '' if layer == last else f'_aux{layer}'
            pred = self.resize(outputs['depth'][layer], gt.shape[-2:])
            for name, value in self.compute_losses(pred, gt).items():
                losses[name + suffix] = value * weight
            if self.loss_class is not None:
                losses[self.loss_class.loss_name + suffix] = self.loss_class(
                    outputs['class_logits'][layer], labels)
            if self.loss_chamfer is not None:
                losses[self.loss_chamfer.loss_name + suffix] = \
                    self.loss_chamfer(outputs['bin_centers'][layer], gt) * \
                    weight
        return losses

    def predict_by_feat(self, outputs: Dict[str, List[Tensor]],
                        batch_img_metas: List[dict]) -> Tensor:
        """The last layer's depth ``(N, 1, H_in, W_in)``: clamped at the
        head's resolution, then resized to the batch input shape."""
        return super().predict_by_feat(outputs['depth'][-1], batch_img_metas)
