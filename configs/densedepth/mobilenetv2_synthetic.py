# The demo: a small DenseDepth (MobileNetV2 encoder from timm, random
# init, 2.5M parameters) trained on the embedded synthetic dataset on CPU in
# a few minutes. It logs the final abs_rel next to the constant-median
# baseline.
_base_ = [
    '../_base_/models/densedepth_r50.py', '../_base_/datasets/synthetic.py',
    '../_base_/default_runtime.py'
]
max_iters = 1000
val_interval = 500
# More training scenes than the shared synthetic default (400): this small
# regression model overfits 400 scenes. Own data_root, because a rendered
# tree is tied to its parameters.
demo_data = dict(data_root='data/synthetic_1k', num_train=1000)
train_dataloader = dict(dataset=demo_data)
val_dataloader = dict(dataset=demo_data)
test_dataloader = dict(dataset=demo_data)
model = dict(
    backbone=dict(model_name='mobilenetv2_100'),
    decode_head=dict(
        in_channels=[16, 24, 32, 96, 320],
        up_sample_channels=[32, 32, 48, 96, 320],
        channels=32,
        max_depth=20,
        scale_up=True,
        loss_decode=dict(type='SigLoss', loss_weight=1.0)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=1e-3,
        total_steps=max_iters,
        pct_start=0.1,
        div_factor=25,
        final_div_factor=100,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=val_interval,
        max_keep_ckpts=2,
        save_best='abs_rel',
        rule='less'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
