# BinsFormer (Li et al., "BinsFormer: Revisiting Adaptive Bins for Monocular
# Depth Estimation"): plain Swin (no conv branch), pixel-level decoder
# (deformable Transformer encoder over the 1/8, 1/16, 1/32 levels + a
# top-down FPN to 1/4), Transformer bins decoder (64 bins queries + 1 scene
# query, 9 layers), SigLoss x10 on layers 2, 5 (x1/4, x1/2) and 8; the
# original toolbox's configs/_base_/models/binsformer.py. This base is
# Swin-T (ImageNet-1k, window 7); leaf configs set Swin-L.
_base_ = ['./_swin.py']
# No padding at test time, as the original.
data_preprocessor = dict(test_cfg=dict(size_divisor=None))
# The backbone: _swin.py's plain Swin-T (BinsFormer has no conv branch).
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(
        type='BinsFormerHead',
        in_channels=[96, 192, 384, 768],
        channels=256,
        n_bins=64,
        min_depth=1e-3,
        max_depth=10,
        trans_index=(1, 2, 3),
        fpn_index=(0, 1, 2),
        positional_encoding=dict(
            type='SinePositionalEncoding', num_feats=128, normalize=True),
        encoder=dict(
            num_layers=6,
            num_heads=8,
            num_points=8,
            feedforward_channels=1024,
            dropout=0.1),
        decoder=dict(
            num_layers=9,
            num_heads=8,
            feedforward_channels=2048,
            dropout=0.,
            level_order='cycle'),
        classify=True,
        num_classes=25,
        loss_class=dict(type='SceneCrossEntropyLoss', loss_weight=1e-2),
        loss_chamfer=None,
        aux_index=(2, 5),
        aux_weight=(0.25, 0.5),
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='LeakyReLU', inplace=True),
        align_corners=True,
        loss_decode=dict(type='SigLoss', valid_mask=True, loss_weight=10.)))
