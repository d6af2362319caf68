# DepthFormer, Swin-L (ImageNet-22k, window 7), KITTI official benchmark
# split (depthformer_swinl_22k_w7_kitti_benchmark.py): the KITTI recipe on
# the benchmark train/val lists; `tools/test.py` writes the submission PNGs
# of the 500 test frames (format_only, see _base_/datasets/kitti_benchmark).
#   GPUs: 8 x 2 images = batch 16; 38,400 iterations; AdamW lr 1e-4, the
#   schedule and optimiser of swinl_kitti.py. No numbers were released for
#   this config.
#   Train: bash tools/dist_train.sh \
#              configs/depthformer/swinl_kitti_benchmark.py 8
#   Test:  python tools/test.py \
#              configs/depthformer/swinl_kitti_benchmark.py CKPT --tta
_base_ = [
    '../_base_/models/depthformer_swinl.py',
    '../_base_/datasets/kitti_benchmark.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cosine_38k.py'
]
num_gpus = 8
batch_size = 2  # per GPU: 8 x 2 = 16
lr = 1e-4

model = dict(decode_head=dict(max_depth=80))
train_dataloader = dict(batch_size=batch_size, num_workers=2)
optim_wrapper = dict(optimizer=dict(lr=lr))
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
