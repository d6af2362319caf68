# Depth Anything V2, metric (Yang et al., 2024; DepthAnything/Depth-Anything-V2
# metric_depth/depth_anything_v2/dpt.py): DINOv2 ViT-L/14 (timm's
# vit_large_patch14_dinov2; layers 4, 11, 17, 23 through the final norm) +
# DPT head (features 256, reassembled widths 256/512/1024/1024, no BN, no
# class-token readout) ending in sigmoid * max_depth. ~335 M parameters.
# ViT-S/B: configs/depth_anything_v2/vit{s,b}_*.py override the sizes.
data_preprocessor = dict(
    type='DepthDataPreprocessor',
    # ImageNet statistics x 255: the original's (x / 255 - mean) / std.
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    depth_pad_val=0)
max_depth = 20  # the original: 20 (indoor, Hypersim), 80 (outdoor, VKITTI 2)
model = dict(
    type='DepthEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='DINOv2ViT',
        arch='vitl',
        out_indices=(4, 11, 17, 23),
        # A local file only (a converted relative-depth encoder:
        # tools/model_converters/depth_anything_v2_to_depth.py); never
        # downloaded.
        pretrained=None,
        # DINOv2's positional-embedding interpolation, as the original.
        interpolate_offset=0.1,
        interpolate_antialias=False),
    decode_head=dict(
        type='DPTHead',
        in_channels=1024,
        channels=256,
        reassemble_channels=[256, 512, 1024, 1024],
        head_channels=32,
        patch_size=14,
        use_clstoken=False,
        fusion_norm_cfg=None,
        align_corners=True,
        scale_up=True,  # sigmoid * max_depth
        min_depth=1e-3,
        max_depth=max_depth,
        # The original's SiLogLoss: sqrt(mean(d^2) - 0.5 * mean(d)^2),
        # d = log(gt) - log(pred) over 1e-3 <= gt <= max_depth (no eps,
        # population variance). gt > 0 equals gt >= 1e-3 for KITTI (1/256
        # steps) and NYU (1/1000 steps).
        loss_decode=dict(
            type='SigLoss',
            lambd=0.5,
            eps=0.,
            unbiased=False,
            valid_mask=True,
            max_depth=max_depth,
            loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

# The original's ViT-S and ViT-B sizes (model.backbone and model.decode_head
# on top of the ViT-L above) with their converted relative-depth encoders
# (the fine-tuning start), for the vits_* and vitb_* leaves.
vits = dict(
    backbone=dict(
        arch='vits',
        out_indices=(2, 5, 8, 11),
        pretrained='pretrain/depth_anything_v2_vits_encoder.pth'),
    decode_head=dict(
        in_channels=384, channels=64, reassemble_channels=[48, 96, 192, 384]))
vitb = dict(
    backbone=dict(
        arch='vitb',
        out_indices=(2, 5, 8, 11),
        pretrained='pretrain/depth_anything_v2_vitb_encoder.pth'),
    decode_head=dict(
        in_channels=768, channels=128, reassemble_channels=[96, 192, 384,
                                                            768]))
# The original's transforms, for the fine-tuning leaves' pipelines after the
# dataset's loading and crop: the image resized (keep ratio, bicubic) to a
# 518-pixel short side, sides multiples of the 14-pixel patch (the depth map
# too for training, the image only for testing), 518x518 random crops and
# horizontal flips for training; the flip test around the test resize.
dav2_resize = dict(type='ResizeToMultiple', scale=518, multiple_of=14)
dav2_train_steps = [
    dav2_resize,
    dict(type='RandomCrop', crop_size=(518, 518)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDepthInputs'),
]
dav2_test_resize = dict(dav2_resize, resize_depth=False)
dav2_test_steps = [dav2_test_resize, dict(type='PackDepthInputs')]
dav2_tta_step = dict(
    type='TestTimeAug',
    transforms=[[
        dict(type='RandomFlip', prob=0.),
        dict(type='RandomFlip', prob=1.)
    ], [dav2_test_resize], [dict(type='PackDepthInputs')]])
