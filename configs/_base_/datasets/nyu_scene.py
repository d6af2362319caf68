# NYU-Depth-v2 with scene-class labels for training (BinsFormer's scene
# query): NYUSceneDataset (the original's NYUBinFormerDataset) and
# PackDepthInputs passing `class_label`; testing as configs/_base_/datasets/
# nyu.py (no labels needed).
_base_ = ['./nyu.py']
# NYU's training pipeline, packing the scene label as well.
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(
        type='PackDepthInputs',
        meta_keys=('img_path', 'depth_map_path', 'ori_shape', 'img_shape',
                   'pad_shape', 'scale_factor', 'flip', 'flip_direction',
                   'focal', 'cam_intrinsic', 'depth_scale', 'class_label')),
]
train_dataloader = dict(
    dataset=dict(type='NYUSceneDataset', pipeline=train_pipeline))
