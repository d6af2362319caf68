# The demo: a narrow LacDepth (ResNet-18, random init, every part kept)
# trained on the embedded synthetic dataset on CPU in minutes. It logs the
# final abs_rel next to the constant-median baseline (baseline_abs_rel).
#   1 process, batch 4; Adam lr 1e-3 (no decay on the decoder), OneCycle
#   (10% warm-up), 800 iterations, validation every 400.
#   python tools/train.py configs/lacdepth/r18_synthetic.py
_base_ = [
    '../_base_/models/lacdepth_r101.py', '../_base_/datasets/synthetic.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_onecycle_1k.py'
]
max_iters = 800
val_interval = 400
batch_size = 4
model = dict(
    backbone=dict(backbone=dict(model_name='resnet18', pretrained=None)),
    neck=dict(
        in_channels=[3, 64, 64, 128, 256, 512],
        channels=(16, 32, 64, 128),
        lateral_channels=(32, 32, 64, 128, 256),
        pyramid_channels=(8, 8, 16, 32, 64)),
    decode_head=dict(
        in_channels=[1, 16, 32, 64, 128, 512],
        channels=16,
        n_bins=32,
        bin_embedding_dim=32,
        seed_mlp_dim=64,
        attractor_mlp_dim=32,
        min_depth=1e-3,
        max_depth=20))
train_dataloader = dict(batch_size=batch_size)
# The paper's optimiser (Adam, no decay on the decoder) with a short
# one-cycle schedule at a higher lr, as suits training from scratch.
optim_wrapper = dict(
    optimizer=dict(type='Adam', weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={
        'neck.': dict(decay_mult=0.),
        'decode_head.': dict(decay_mult=0.)
    }))
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=val_interval))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)
