# ACAN demo on the embedded synthetic dataset, on CPU: a half-width dilated
# ResNet-18 (channels 32-256, output stride 8, random init), a narrow
# context aggregation module, K = 40 log-spaced intervals over [1, 20] m,
# ordinal + attention loss, soft ordinal inference. AdamW + OneCycle
# instead of the paper's SGD (which needs ImageNet weights and 50 epochs).
# 1 process, batch 8; AdamW lr 1e-3, OneCycle (10% warm-up), 1,200
# iterations, validation every 400. The metric logs the final abs_rel
# next to the constant-median baseline (baseline_abs_rel).
#   python tools/train.py configs/acan/r18_synthetic.py
#   python tools/test.py configs/acan/r18_synthetic.py CKPT \
#       --cfg-options model.test_cfg.inference=hard
_base_ = [
    '../_base_/models/acan_r50.py', '../_base_/datasets/synthetic.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_onecycle_1k.py'
]
max_iters = 1200
val_interval = 400
model = dict(
    backbone=dict(
        model_name='resnet18',
        pretrained=None,
        stem_width=32,
        channels=(32, 64, 128, 256)),
    decode_head=dict(
        in_channels=256,
        channels=64,
        key_channels=32,
        value_channels=64,
        pool_channels=32,
        num_intervals=40,
        dropout_ratio=0.0,
        min_depth=1.0,
        max_depth=20.0))
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=val_interval))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
