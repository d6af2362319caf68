# ACAN's schedule (the paper, Sec. IV-C): SGD, momentum 0.9, weight decay
# 5e-4, lr 2e-4 with the decoder at 10x, poly decay with power 0.9 to 0 at
# train_cfg.max_iters (the Runner's default end), 50 epochs at batch 8:
# here NYU's 50 x 1,500 = 75,000 iterations, validation every 5 epochs.
# Leaves on other data set their own length.
iters_per_epoch = 1500
max_iters = 50 * iters_per_epoch  # 75,000
val_interval = 5 * iters_per_epoch
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=2e-4, momentum=0.9, weight_decay=5e-4),
    # "the learning rate of the newly added decoder layers [is] 10 times
    # that of the encoder layers"
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
