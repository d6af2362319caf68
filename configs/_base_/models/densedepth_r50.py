# DenseDepth-style encoder-decoder (the original toolbox's SimIPU/DenseDepth
# base): ResNet-50 (timm) + U-Net decoder at H/2, direct regression.
_base_ = ['./_encoder_decoder.py']
model = dict(
    backbone=dict(
        type='TimmBackbone',
        model_name='resnet50',
        pretrained=None,  # e.g. 'pretrain/resnet50_a1_in1k.pth'
        out_indices=(0, 1, 2, 3, 4)),
    decode_head=dict(
        type='DenseDepthHead',
        in_channels=[64, 256, 512, 1024, 2048],
        up_sample_channels=[128, 256, 512, 1024, 2048],
        channels=128,
        align_corners=True,
        min_depth=1e-3,
        max_depth=10,
        loss_decode=dict(type='SigLoss', loss_weight=1.0)))
