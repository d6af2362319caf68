# ACAN, ResNet-50, KITTI Eigen split: the paper's recipe (Sec. IV-B/C).
#   GPUs: 1 (the paper: one GTX 1080Ti), batch 8, 50 epochs of 2,895
#   iterations = 144,750.
#   SGD, momentum 0.9, weight decay 5e-4, lr 2e-4 (decoder x10), poly decay
#   with power 0.9; inputs: the whole 375x1242 frame resized to 160x512.
#   Train: python tools/train.py configs/acan/r50_kitti.py
_base_ = [
    '../_base_/models/acan_r50.py', '../_base_/datasets/kitti.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_acan_poly_50e.py'
]
num_gpus = 1
batch_size = 8  # per GPU; the paper's total batch
# 50 epochs of the Eigen training list (23,158 images; the paper quotes
# "around 22k"): ceil(23158 / 8) = 2,895 iterations per epoch.
iters_per_epoch = 2895
max_iters = 50 * iters_per_epoch  # 144,750
val_interval = 5 * iters_per_epoch
input_size = (160, 512)  # (H, W)

model = dict(
    backbone=dict(
        # torchvision's ImageNet resnet50 (IMAGENET1K_V1) as a local file
        pretrained='pretrain/resnet50_tv_in1k.pth'),
    decode_head=dict(min_depth=1.0, max_depth=80.0))

# "The original resolution is 375x1242, and [images] are resized to
# 160x512": the whole frame, no crop (the aspect ratio changes slightly).
# Depth is resized with nearest neighbour (values are never interpolated).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(
        type='Resize', scale=(input_size[1], input_size[0]), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    _base_.color_aug,
    dict(type='PackDepthInputs'),
]
# Test at the training scale: only the image is resized (the depth map is
# loaded after Resize, so it keeps its full 375x1242 resolution); the
# prediction is resized back to the original frame by the depther and the
# Garg crop fractions are applied to the full frame (Garg's definition).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='Resize', scale=(input_size[1], input_size[0]), keep_ratio=False),
    dict(type='LoadDepthAnnotation'),
    dict(type='PackDepthInputs'),
]
# The test pipeline with the flip test (the dataset bases' TestTimeAug step,
# _base_/datasets/_eval_loaders.py) instead of its PackDepthInputs.
tta_pipeline = test_pipeline[:-1] + [_base_.tta_flip]
train_dataloader = dict(
    batch_size=batch_size, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# SGD lr 2e-4 (decoder x10), poly 0.9: the schedule base's.
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=val_interval))
auto_scale_lr = dict(enable=False, base_batch_size=8)
