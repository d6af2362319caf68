# LacDepth, MobileNetV2 encoder (the light variant of Table 4), KITTI: the
# ResNet-101 recipe with the encoder swapped. ~11 M parameters.
#   Paper: 1 GPU x 16 images, which this config keeps: timm's MobileNetV2
#   fuses BN and ReLU6 in BatchNormAct2d, and mmengine's SyncBN conversion
#   (sync_bn='torch') would silently drop those activations, so no SyncBN;
#   one GPU with the whole batch gives BN the paper's 16 images.
#   Train: python tools/train.py configs/lacdepth/mobilenetv2_kitti.py
#   Test:
#   python tools/test.py configs/lacdepth/mobilenetv2_kitti.py CKPT --tta
_base_ = ['./r101_kitti.py']
num_gpus = 1
batch_size = 16
model = dict(
    backbone=dict(
        backbone=dict(
            model_name='mobilenetv2_100',
            pretrained='pretrain/mobilenetv2_100.pth')),
    neck=dict(in_channels=[3, 16, 24, 32, 96, 320]),
    decode_head=dict(in_channels=[1, 64, 128, 256, 512, 320]))
train_dataloader = dict(batch_size=batch_size)
sync_bn = None
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
