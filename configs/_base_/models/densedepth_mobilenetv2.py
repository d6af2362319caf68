# DenseDepth-style encoder-decoder (densedepth_r50.py) with a MobileNetV2
# encoder (timm mobilenetv2_100; levels of 16, 24, 32, 96, 320 channels at
# H/2..H/32) and a narrow U-Net decoder to 32 channels at H/2, direct
# regression, SigLoss. ~2.5 M parameters.
_base_ = ['./densedepth_r50.py']
model = dict(
    backbone=dict(model_name='mobilenetv2_100',
                  pretrained=None),  # e.g. 'pretrain/mobilenetv2_100.pth'
    decode_head=dict(
        in_channels=[16, 24, 32, 96, 320],
        up_sample_channels=[32, 32, 48, 96, 320],
        channels=32))
