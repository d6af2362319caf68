# Depth Anything V2's metric fine-tuning (metric_depth/train.py): AdamW
# (0.9, 0.999), weight decay 0.01 on every parameter, lr 5e-6 for the
# encoder and x10 for the DPT head, no gradient clipping; poly decay (power
# 0.9) to 0 over the whole run. The original sets lr * (1 - i / total) **
# 0.9 after step i (so step i + 1 uses it): the same curve one iteration
# later. The leaf sets train_cfg.max_iters and val_interval (the original
# validates every epoch); the poly decay ends at max_iters.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=5e-6, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.)}),
    clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=0., power=0.9, begin=0, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=86760, val_interval=723)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
