# DepthFormer, Swin-L (ImageNet-22k, window 7), NYU-Depth-v2: the original
# toolbox's recipe (depthformer_swinl_22k_w7_nyu.py).
#   GPUs: 8 (V100) x 2 images = batch 16; 38,400 iterations; AdamW lr 1e-4,
#   cosine with 12,800 warm-up iterations, clip 35, val every 800 it.
#   Reported (flip test): abs_rel 0.094, rmse 0.330.
#   Train: bash tools/dist_train.sh configs/depthformer/swinl_nyu.py 8
#   Test:  python tools/test.py configs/depthformer/swinl_nyu.py CKPT --tta
_base_ = [
    '../_base_/models/depthformer_swinl.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cosine_38k.py'
]
num_gpus = 8
batch_size = 2  # per GPU: 8 x 2 = 16
lr = 1e-4

model = dict(decode_head=dict(max_depth=10))
train_dataloader = dict(batch_size=batch_size, num_workers=2)
optim_wrapper = dict(optimizer=dict(lr=lr))
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
