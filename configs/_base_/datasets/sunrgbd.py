# SUN RGB-D, evaluation only (zero-shot transfer of NYU-trained models):
# data/sunrgbd/{SUNRGBD/{kv1,kv2,realsense,xtion}/..., SUNRGBD_val_splits.txt}
# Depth PNGs use SUN RGB-D's bit rotation; range (1e-3, 8] and the NYU
# Eigen crop box scaled to each image size.
dataset_type = 'SUNRGBDDataset'
data_root = 'data/sunrgbd'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', decode='sunrgbd'),
    dict(type='PackDepthInputs'),
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', decode='sunrgbd'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0.),
            dict(type='RandomFlip', prob=1.)
        ], [dict(type='PackDepthInputs')]]),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='SUNRGBD_val_splits.txt',
        data_prefix=dict(img_path='', depth_map_path=''),
        test_mode=True,
        pipeline=test_pipeline))
val_dataloader = test_dataloader
# Range (1e-3, 8) and the scaled Eigen crop: SUNRGBDDataset's METAINFO.
test_evaluator = dict(type='DepthMetric')
val_evaluator = test_evaluator
