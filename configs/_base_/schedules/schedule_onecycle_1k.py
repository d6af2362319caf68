# The schedule of the CPU demos on the synthetic data (*_synthetic.py):
# AdamW lr 1e-3, betas (0.9, 0.999), wd 0.01, clipping at 35; OneCycle
# (4e-5 -> 1e-3 at 10% -> 4e-7), which the Runner ends at
# train_cfg.max_iters, so a demo sets only its length: 1,000 iterations
# here, validation every 250.
max_iters = 1000
val_interval = 250
max_lr = 1e-3
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=max_lr, betas=(0.9, 0.999), weight_decay=0.01),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=max_lr,
        pct_start=0.1,
        div_factor=25,
        final_div_factor=100,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
