# The DepthFormer demo: a reduced DepthFormer (Swin with embed 16, depths
# 2-2-2-2, conv branch 16 ch, HAHI width 32 with 2 heads x 4 points, the
# DenseDepth decoder, direct regression + SigLoss as the full model)
# trained from scratch on the embedded synthetic dataset on CPU. Same code
# paths as the Swin-T/L recipes; it logs the final abs_rel next to the
# constant-median baseline. SigLoss starts with its warm-up (mean term
# only for 100 iterations), the original README's remedy for direct
# regression collapsing: a first run without it collapsed (loss stuck at
# ~3, zero gradients; the variance term can pull the pixels still above
# the output ReLU down to the dead ones).
#   1 process, batch 8; AdamW lr 1e-3, linear warm-up over 100 iterations
#   into cosine decay (to 1e-3 x lr), 1,000 iterations, validation every
#   250.
#   Train: python tools/train.py configs/depthformer/swint-tiny_synthetic.py
_base_ = [
    '../_base_/models/depthformer_swint.py', '../_base_/datasets/synthetic.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_cosine_38k.py'
]
max_iters = 1000
val_interval = 250
warmup_iters = 100
channels = [16, 16, 32, 64, 128]

model = dict(
    backbone=dict(_base_.swin_toy, conv_channels=16),
    neck=dict(
        in_channels=channels,
        out_channels=channels,
        embedding_dim=32,
        positional_encoding=dict(type='SinePositionalEncoding', num_feats=16),
        num_heads=2,
        num_points=4),
    decode_head=dict(
        in_channels=channels,
        up_sample_channels=channels,
        channels=16,
        max_depth=20,
        loss_decode=dict(
            type='SigLoss', loss_weight=1.0, warm_up=True, warm_iter=100)))

optim_wrapper = dict(optimizer=dict(lr=1e-3))
# DepthFormer's schedule shape (linear warm-up into cosine), shortened
param_scheduler = [
    dict(_base_.param_scheduler[0], end=warmup_iters),
    dict(_base_.param_scheduler[1], eta_min_ratio=1e-3),
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
