# LacDepth, ResNet-101, NYU-Depth-v2: the paper's recipe (Sec. 3.2).
#   Paper: 1 GPU x 16 images, 25 epochs; Adam, betas (0.9, 0.999), weight
#   decay 5e-4 on the encoder and 0 on the decoder, lr 1e-4 reduced by 10%
#   every 5 epochs; flip + brightness/colour jitter x[0.9, 1.1].
#   Here: 8 GPUs x 2 images = batch 16 (SyncBN), 25 epochs of 1,514
#   iterations (24,231 training images / 16) = 37,850. Crop 416x544 and the
#   rest where the paper is silent: toolbox defaults (README).
#   Train: bash tools/dist_train.sh configs/lacdepth/r101_nyu.py 8
#   Test:  python tools/test.py configs/lacdepth/r101_nyu.py CKPT --tta
_base_ = [
    '../_base_/models/lacdepth_r101.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_lacdepth_25e.py'
]
num_gpus = 8
batch_size = 2  # per GPU: 8 x 2 = 16
epochs = 25
iters_per_epoch = 1514  # 24,231 / 16
max_iters = epochs * iters_per_epoch  # 37,850
lr_step = 5 * iters_per_epoch
val_interval = iters_per_epoch

model = dict(
    backbone=dict(backbone=dict(pretrained='pretrain/resnet101.pth')),
    decode_head=dict(min_depth=1e-3, max_depth=10))

crop_size = (416, 544)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='NYUCrop'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(_base_.color_aug, gamma_range=(1.0, 1.0)),
    dict(type='PackDepthInputs'),
]
train_dataloader = dict(
    batch_size=batch_size, dataset=dict(pipeline=train_pipeline))

# Adam lr 1e-4 (no decay on the decoder), -10% every 5 epochs: the
# schedule base's, whose lengths are NYU's.
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=val_interval))
sync_bn = 'torch'
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
