# LacDepth, MobileNetV2 encoder (the light variant of Table 4), KITTI: the
# ResNet-101 recipe with the encoder swapped. ~11 M parameters.
#   GPUs: 1 x 16 images = batch 16 (the paper's), so BN sees the paper's
#   16 images without SyncBN (sync_bn=None). The schedule of r101_kitti.py:
#   Adam lr 1e-4, -10% every 5 epochs, 25 epochs of 1,447 iterations =
#   36,175. To train on several GPUs, set sync_bn='torch': timm's fused
#   BN + ReLU6 (BatchNormAct2d) keep their activations through the SyncBN
#   conversion (TimmBackbone splits them, depth/models/utils/norm_act.py).
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
