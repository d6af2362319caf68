# The BinsFormer demo: a reduced BinsFormer (plain Swin with embed 16,
# depths 2-2-2-2; pixel decoder width 32 with a 2-layer deformable encoder
# of 2 heads x 4 points; 16 bins queries, 3 decoder layers, no scene query:
# the synthetic scenes have no classes) trained from scratch on the
# embedded synthetic dataset on CPU. Same code paths as the Swin-T/L
# recipes (SigLoss x10 on the last layer, x1/4 and x1/2 on layers 0 and 1);
# it logs the final abs_rel next to the constant-median baseline.
#   1 process, batch 8; AdamW lr 5e-4, OneCycle (30% warm-up), 1,000
#   iterations, validation every 250.
#   Train: python tools/train.py configs/binsformer/swint-tiny_synthetic.py
_base_ = [
    '../_base_/models/binsformer_swin.py', '../_base_/datasets/synthetic.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_binsformer_38k.py'
]
max_iters = 1000
val_interval = 250
max_lr = 5e-4

model = dict(
    backbone=_base_.swin_toy,
    decode_head=dict(
        in_channels=[16, 32, 64, 128],
        channels=32,
        n_bins=16,
        max_depth=20,
        positional_encoding=dict(num_feats=16),
        encoder=dict(
            num_layers=2,
            num_heads=2,
            num_points=4,
            feedforward_channels=64,
            dropout=0.1),
        decoder=dict(
            num_layers=3,
            num_heads=2,
            feedforward_channels=64,
            level_order='cycle'),
        classify=False,
        aux_index=(0, 1),
        aux_weight=(0.25, 0.5)))

# BinsFormer's schedule shape (OneCycle, 30% warm-up) and optimiser
# (schedule_binsformer_38k.py), shortened, at a higher lr.
optim_wrapper = dict(optimizer=dict(lr=max_lr))
param_scheduler = [
    dict(_base_.param_scheduler[0], eta_max=max_lr, total_steps=max_iters)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
