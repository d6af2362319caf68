# LacDepth, ResNet-101, KITTI Eigen split: the paper's recipe (Sec. 3.2).
#   Paper: 1 GPU (RTX 3090) x 16 images, 25 epochs; Adam, betas
#   (0.9, 0.999), weight decay 5e-4 on the encoder and 0 on the decoder,
#   lr 1e-4 reduced by 10% every 5 epochs; flip + brightness/colour jitter
#   x[0.9, 1.1]; random crop 352x704.
#   Here: 8 GPUs x 2 images = batch 16 (SyncBN), 25 epochs of 1,447
#   iterations (23,158 training images of the split file / 16) = 36,175.
#   Where the paper is silent (gradient clipping, validation interval,
#   evaluation crop and cap, augmentation probability) the toolbox
#   defaults are used: see configs/lacdepth/README.md.
#   Train: bash tools/dist_train.sh configs/lacdepth/r101_kitti.py 8
#   Test:  python tools/test.py configs/lacdepth/r101_kitti.py CKPT --tta
_base_ = [
    '../_base_/models/lacdepth_r101.py', '../_base_/datasets/kitti.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_lacdepth_25e.py'
]
num_gpus = 8
batch_size = 2  # per GPU: 8 x 2 = 16, the paper's batch
epochs = 25
iters_per_epoch = 1447  # 23,158 / 16
max_iters = epochs * iters_per_epoch  # 36,175
lr_step = 5 * iters_per_epoch  # every 5 epochs
val_interval = iters_per_epoch

model = dict(
    backbone=dict(backbone=dict(pretrained='pretrain/resnet101.pth')),
    decode_head=dict(min_depth=1e-3, max_depth=80))

# Sec. 3.1: horizontal flip (p = 0.5) and brightness/contrast/saturation
# jitter x[0.9, 1.1] (ColorAug's brightness and per-channel colour factors,
# gamma off); no rotation. Random crop 352x704 of the KB-cropped frame.
crop_size = (352, 704)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', depth=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(_base_.color_aug, gamma_range=(1.0, 1.0)),
    dict(type='PackDepthInputs'),
]
train_dataloader = dict(
    batch_size=batch_size, dataset=dict(pipeline=train_pipeline))

# Adam lr 1e-4 (no decay on the decoder): the schedule base's; its StepLR
# (-10% every 5 epochs) at KITTI's epoch length.
param_scheduler = [dict(_base_.param_scheduler[0], step_size=lr_step)]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=val_interval))
sync_bn = 'torch'
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
