# NYU-Depth-v2 with scene-class labels for training (BinsFormer's scene
# query): NYUSceneDataset (the original's NYUBinFormerDataset) and
# PackDepthInputs passing `class_label`; testing as configs/_base_/datasets/
# nyu.py (no labels needed).
_base_ = ['./nyu.py']
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='NYUCrop'),
    dict(type='RandomRotate', prob=0.5, degree=2.5),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size={{_base_.crop_size}}),
    dict(
        type='ColorAug',
        prob=0.5,
        gamma_range=(0.9, 1.1),
        brightness_range=(0.75, 1.25),
        color_range=(0.9, 1.1)),
    dict(
        type='PackDepthInputs',
        meta_keys=('img_path', 'depth_map_path', 'ori_shape', 'img_shape',
                   'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                   'focal', 'cam_intrinsic', 'depth_scale', 'class_label')),
]
train_dataloader = dict(
    dataset=dict(type='NYUSceneDataset', pipeline=train_pipeline))
