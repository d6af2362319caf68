# DepthFormer (Li et al., "DepthFormer: Exploiting Long-Range Correlation
# and Local Information for Accurate Monocular Depth Estimation"):
# Swin Transformer + a 7x7/2 convolution branch (DepthFormerSwin), the HAHI
# neck (deformable self-attention over the 4 Transformer levels, deformable
# cross-attention from the H/2 conv feature), DenseDepth decoder with
# LeakyReLU and direct regression (relu + min_depth), SigLoss x1.
# This base is Swin-T (ImageNet-1k, window 7); depthformer_swinl.py is
# Swin-L on top of it.
_base_ = ['./_swin.py']
# No padding at test time, as the original: padding changes what the
# network sees at other sizes (up to 7 m at 100x150), and the Swin and
# the decoder run at any size.
data_preprocessor = dict(test_cfg=dict(size_divisor=None))
model = dict(
    data_preprocessor=data_preprocessor,
    # Swin-T (_swin.py) with the 7x7/2 convolution branch
    backbone=dict(
        conv_channels=64, conv_norm_cfg=dict(type='BN', requires_grad=True)),
    neck=dict(
        type='HAHIHeteroNeck',
        in_channels=[64, 96, 192, 384, 768],
        out_channels=[64, 96, 192, 384, 768],
        embedding_dim=256,
        positional_encoding=dict(type='SinePositionalEncoding', num_feats=128),
        scales=[1, 1, 1, 1, 1],
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='ReLU', inplace=True),
        num_heads=8,
        num_points=8),
    decode_head=dict(
        type='DenseDepthHead',
        in_channels=[64, 96, 192, 384, 768],
        up_sample_channels=[64, 96, 192, 384, 768],
        channels=64,
        act_cfg=dict(type='LeakyReLU', inplace=True),
        norm_cfg=None,
        align_corners=True,
        min_depth=1e-3,
        max_depth=10,
        loss_decode=dict(type='SigLoss', loss_weight=1.0)))
