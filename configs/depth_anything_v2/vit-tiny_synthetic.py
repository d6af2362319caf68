# The Depth Anything V2 demo: the whole metric model (DINOv2 ViT with
# DINOv2's positional interpolation, 4 intermediate layers, DPT reassemble
# and fusion, sigmoid * max_depth, the original's SiLog loss) at toy width,
# random init, trained on the embedded synthetic dataset on CPU.
# ViT: 4 blocks of width 64 (2 heads), a 9 x 9 positional table
# (img_size 126) interpolated to the 9 x 12 patch grid; DPT: features 32.
# Images resized as the recipe (ResizeToMultiple: 120x160 -> 126x168).
#   1 process, batch 8; AdamW lr 1e-3, OneCycle (10% warm-up), 1,000
#   iterations, validation every 250 (the demo schedule).
#   Train:
#     python tools/train.py configs/depth_anything_v2/vit-tiny_synthetic.py
_base_ = [
    '../_base_/models/depth_anything_v2_dpt.py',
    '../_base_/datasets/synthetic.py', '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_onecycle_1k.py'
]
max_iters = 1000
val_interval = 250
max_depth = 20
img_scale = (160, 120)  # (w, h) of the synthetic images

model = dict(
    backbone=dict(
        arch=None,
        model_name='vit_small_patch14_dinov2',
        embed_dim=64,
        depth=4,
        num_heads=2,
        img_size=126,
        out_indices=(0, 1, 2, 3),
        pretrained=None),
    decode_head=dict(
        in_channels=64,
        channels=32,
        reassemble_channels=[16, 32, 64, 64],
        head_channels=16,
        max_depth=max_depth,
        loss_decode=dict(max_depth=max_depth)))

# The recipe's resize (the model base's dav2_resize) at the synthetic scale.
resize = dict(_base_.dav2_resize, scale=img_scale)
test_resize = dict(resize, resize_depth=False)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDepthInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    test_resize,
    dict(type='PackDepthInputs'),
]
# The flip test around this test resize.
tta_pipeline = test_pipeline[:2] + [
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0.),
            dict(type='RandomFlip', prob=1.)
        ], [test_resize], [dict(type='PackDepthInputs')]]),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
auto_scale_lr = dict(enable=False, base_batch_size=8)
