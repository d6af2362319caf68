# AdaBins (Bhat, Alhashim, Wonka, CVPR 2021): EfficientNet-B5 encoder
# (AdvProp weights), DenseDepth U-Net decoder to 128 channels at H/2, the
# mini-ViT (p=16, E=128, 4 layers, 4 heads, C=128 queries, MLP 1024) and
# hybrid regression over 256 adaptive bins. ~78 M parameters.
# Settings of the released code (shariqfarooq123/AdaBins), so that its
# converted weights (tools/model_converters/adabins2depth.py) give its
# predictions: bins_eps=0.1, a flat 500-row positional table, padding=1 on
# the decoder's first 1x1 conv, no test-time padding. The paper's variant
# is these overrides (model.decode_head unless noted):
#   bins_eps=1e-3, bottleneck_padding=0, pos_embed_type='grid',
#   pos_embed_size=<training token grid> (NYU 416x544: (13, 17); KITTI
#   352x704: (11, 22)). Test-time padding stays off in both.
_base_ = ['./_encoder_decoder.py']
# ImageNet statistics (_encoder_decoder.py), as the original AdaBins and the
# original toolbox (even though the AdvProp weights were trained with
# 0.5/0.5). The original predicts on the unpadded image: padding to a
# multiple of 32 at test time would change every prediction (the encoder's
# 'same' padding and the mini-ViT's tokens see the padded border).
data_preprocessor = dict(test_cfg=dict(size_divisor=None))
model = dict(
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
        bins_eps=0.1,  # the released code (Eq. (1) of the paper: 1e-3)
        patch_size=16,
        num_queries=128,
        num_layers=4,
        num_heads=4,
        feedforward_channels=1024,
        # The released code's positional encoding: the first S rows of a
        # learned 500-row table for S tokens (inputs up to 500 tokens, e.g.
        # 480x640 = 15x20, 352x1216 = 11x38). 'grid' + pos_embed_size is the
        # variant resized to any input.
        pos_embed_type='flat',
        num_pos_embeds=500,
        # The released decoder's 1x1 conv has padding=1 (its output grows by
        # 2 pixels before the first upsampling); the paper's: 0.
        bottleneck_padding=1,
        align_corners=True,
        min_depth=1e-3,
        max_depth=10,
        norm_cfg=dict(type='BN', requires_grad=True),
        act_cfg=dict(type='LeakyReLU', negative_slope=0.01),
        loss_decode=dict(type='SigLoss', valid_mask=True, loss_weight=10),
        loss_chamfer=dict(type='BinsChamferLoss', loss_weight=0.1)))
