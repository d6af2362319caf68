# AdaBins (Bhat, Alhashim, Wonka, CVPR 2021): EfficientNet-B5 encoder
# (AdvProp weights), DenseDepth U-Net decoder to 128 channels at H/2, the
# mini-ViT (p=16, E=128, 4 layers, 4 heads, C=128 queries, MLP 1024) and
# hybrid regression over 256 adaptive bins. ~78 M parameters.
data_preprocessor = dict(
    type='DepthDataPreprocessor',
    # ImageNet statistics, as the original AdaBins and the original toolbox
    # (even though the AdvProp weights were trained with 0.5/0.5).
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    depth_pad_val=0)
model = dict(
    type='DepthEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetEncoder',
        model_name='tf_efficientnet_b5',
        # timm's tf_efficientnet_b5.ap_in1k weights as a local file, e.g.
        # 'pretrain/tf_efficientnet_b5_ap_in1k.pth'; never downloaded.
        pretrained=None,
        # Deepest level = raw conv_head output (2048 ch), as the original.
        head='conv'),
    decode_head=dict(
        type='AdabinsHead',
        in_channels=[24, 40, 64, 176, 2048],
        up_sample_channels=[128, 256, 512, 1024, 2048],
        channels=128,
        n_bins=256,
        bins_strategy='adaptive',  # Table 2: 'uniform', 'log', 'trained'
        bins_eps=1e-3,  # Eq. (1) (the original code uses 0.1)
        patch_size=16,
        num_queries=128,
        num_layers=4,
        num_heads=4,
        feedforward_channels=1024,
        # Learned positional-encoding grid, resized to any token grid; the
        # dataset configs set it to their training grid.
        pos_embed_size=(16, 16),
        align_corners=True,
        min_depth=1e-3,
        max_depth=10,
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.01),
        loss_decode=dict(type='SigLoss', valid_mask=True, loss_weight=10),
        loss_chamfer=dict(type='BinsChamferLoss', loss_weight=0.1)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
