# ACAN (Chen et al., "Attention-based context aggregation network for
# monocular depth estimation"): dilated ResNet-50 encoder (block3/block4
# with dilation 2/4, output stride 8; timm's output_stride=8 gives exactly
# that, the first block of each dilated stage keeping the previous
# dilation; the official code dilates that block too: backbone option
# first_block_dilation, see configs/acan/README.md), context aggregation
# module (shared query/key self-attention + image pooling), 2K ordinal
# logits over K = 80 log-spaced intervals, soft ordinal inference; ordinal
# loss + attention KL loss.
_base_ = ['./_encoder_decoder.py']
model = dict(
    backbone=dict(
        type='TimmBackbone',
        model_name='resnet50',
        # ImageNet weights from a local file, e.g. torchvision's
        # resnet50 IMAGENET1K_V1 saved as 'pretrain/resnet50_tv_in1k.pth'
        # (timm's resnet keys are torchvision's).
        pretrained=None,
        output_stride=8,
        out_indices=(4, )),
    decode_head=dict(
        type='OrdinalRegressionHead',
        in_channels=2048,
        channels=512,
        key_channels=512,
        value_channels=512,
        pool_channels=512,
        num_intervals=80,
        classifier='ordinal',
        inference='soft',
        discretization='log',
        dropout_ratio=0.1,
        min_depth=1.0,
        max_depth=80.0,
        align_corners=False,
        loss_decode=dict(type='OrdinalRegressionLoss', loss_weight=1.0),
        # alpha_att = 0.1 relative to the ordinal loss: see
        # configs/acan/README.md ("Loss weights").
        loss_attention=dict(type='AttentionKLLoss', loss_weight=0.1)))
