# DepthFormer's schedule: the optimiser of schedule_binsformer_38k.py
# (AdamW lr 1e-4, betas (0.9, 0.999), wd 0.01, clipping at 35, no weight
# decay on Swin's position tables and on norms; keys that name no parameter
# change nothing) with a linear warm-up over 12,800 iterations from 1e-3 x
# lr, then cosine decay to ~0 at train_cfg.max_iters (38,400; the cosine's
# end and T_max are left to the Runner, which takes train_cfg.max_iters)
# instead of the OneCycle; validation every 800 iterations.
# The original mmcv hook warms up toward the cosine curve (peak 7.5e-5 at
# iteration 12,800 for lr 1e-4); here the warm-up ramps to the cosine value
# at its end the same way because the cosine runs from iteration 0.
_base_ = ['./schedule_binsformer_38k.py']
max_iters = 38400
warmup_iters = 12800
val_interval = 800
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=1e-3,
        by_epoch=False,
        begin=0,
        end=warmup_iters),
    dict(type='CosineAnnealingLR', eta_min_ratio=1e-8, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
# Checkpoints every 1,600 iterations (keep 2) and the best abs_rel come from
# default_runtime.py.
