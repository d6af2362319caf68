# ACAN, ResNet-101, KITTI Eigen split: same recipe as r50_kitti.py
# (1 GPU, batch 8, 50 epochs = 144,750 iterations, SGD lr 2e-4, decoder x10,
# poly 0.9, 160x512 inputs).
#   Train: python tools/train.py configs/acan/r101_kitti.py
_base_ = ['./r50_kitti.py']
model = dict(
    backbone=dict(
        model_name='resnet101',
        # torchvision's ImageNet resnet101 (IMAGENET1K_V1) as a local file
        pretrained='pretrain/resnet101_tv_in1k.pth'))
