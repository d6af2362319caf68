# ACAN, ResNet-101, NYU-Depth-v2: same recipe as r50_nyu.py (1 GPU,
# batch 8, 50 epochs of 12k images = 75,000 iterations, SGD lr 2e-4,
# decoder x10, poly 0.9, 256x352 crops of 288x384 images).
#   Train: python tools/train.py configs/acan/r101_nyu.py
_base_ = ['./r50_nyu.py']
model = dict(
    backbone=dict(
        model_name='resnet101',
        # torchvision's ImageNet resnet101 (IMAGENET1K_V1) as a local file
        pretrained='pretrain/resnet101_tv_in1k.pth'))
