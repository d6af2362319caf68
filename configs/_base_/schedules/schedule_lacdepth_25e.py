# LacDepth's schedule (the paper, Sec. 3.2): Adam (not AdamW), betas
# (0.9, 0.999), L2 weight decay 5e-4 on the encoder and none on the decoder
# (neck and head), lr 1e-4 reduced by 10% every 5 epochs ("until 1e-5",
# which 25 epochs never reach: 1e-4 x 0.9^4 = 6.6e-5 at the end); gradient
# clipping at 35 (the toolbox default; the paper is silent). 25 epochs at
# batch 16: here NYU's 25 x 1,514 = 37,850 iterations, validation every
# epoch. A leaf on other data sets its length and the StepLR's step_size
# (the StepLR ends at train_cfg.max_iters, the Runner's default end).
iters_per_epoch = 1514  # NYU: 24,231 / 16
max_iters = 25 * iters_per_epoch  # 37,850
lr_step = 5 * iters_per_epoch  # every 5 epochs
val_interval = iters_per_epoch
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='Adam', lr=1e-4, betas=(0.9, 0.999), weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={
        'neck.': dict(decay_mult=0.),
        'decode_head.': dict(decay_mult=0.)
    }),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='StepLR', step_size=lr_step, gamma=0.9, by_epoch=False, begin=0)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
