# DepthFormer, Swin-T (ImageNet-1k, window 7), NYU-Depth-v2: the original
# toolbox's recipe (depthformer_swint_w7_nyu.py).
#   GPUs: 2 (RTX 3090) x 8 images = batch 16 (same total batch as the
#   8 x 2 Swin-L runs); 38,400 iterations; AdamW lr 6e-5 (0.9, 0.999),
#   wd 0.01, cosine with 12,800 warm-up iterations, clip 35; val every
#   1,600 it (the original Swin-T config), best abs_rel kept.
#   Reported (flip test): abs_rel 0.120, rmse 0.402.
#   Train: bash tools/dist_train.sh configs/depthformer/swint_nyu.py 2
#   Test:  python tools/test.py configs/depthformer/swint_nyu.py CKPT --tta
_base_ = [
    '../_base_/models/depthformer_swint.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cosine_38k.py'
]
num_gpus = 2
batch_size = 8  # per GPU: 2 x 8 = 16
lr = 6e-5
max_iters = 38400
val_interval = 1600

model = dict(
    backbone=dict(pretrained='pretrain/swin_tiny_patch4_window7_224.pth'),
    decode_head=dict(max_depth=10))

train_dataloader = dict(batch_size=batch_size, num_workers=8)
optim_wrapper = dict(optimizer=dict(lr=lr))
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
