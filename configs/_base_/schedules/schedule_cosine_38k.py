# DepthFormer's schedule: AdamW, linear warm-up over 12,800 iterations from
# 1e-3 x lr, then cosine decay to ~0 at train_cfg.max_iters (38,400; the
# cosine's end and T_max are left to the Runner, which takes
# train_cfg.max_iters); clipping at 35; no weight decay on Swin's position
# tables and on norms (keys that name no parameter change nothing).
# The original mmcv hook warms up toward the cosine curve (peak 7.5e-5 at
# iteration 12,800 for lr 1e-4); here the warm-up ramps to the cosine value
# at its end the same way because the cosine runs from iteration 0.
max_iters = 38400
warmup_iters = 12800
val_interval = 800
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.01),
    clip_grad=dict(max_norm=35, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
        }))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min_ratio=1e-8, by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Checkpoints every 1,600 iterations (keep 2) and the best abs_rel come from
# default_runtime.py.
