# NYU-Depth-v2 (BTS sync subset, 24,231 train / 654 test), the original
# toolbox's layout: data/nyu/<scene>/rgb_XXXXX.jpg + sync_depth_XXXXX.png
# with data/nyu/nyu_train.txt and nyu_test.txt.
dataset_type = 'NYUDataset'
data_root = 'data/nyu'
crop_size = (416, 544)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='NYUCrop'),
    dict(type='RandomRotate', prob=0.5, degree=2.5),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(
        type='ColorAug',
        prob=0.5,
        gamma_range=(0.9, 1.1),
        brightness_range=(0.75, 1.25),
        color_range=(0.9, 1.1)),
    dict(type='PackDepthInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='PackDepthInputs'),
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='RandomFlip', prob=0.),
            dict(type='RandomFlip', prob=1.)
        ], [dict(type='PackDepthInputs')]]),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='nyu_train.txt',
        data_prefix=dict(img_path='', depth_map_path=''),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='nyu_test.txt',
        data_prefix=dict(img_path='', depth_map_path=''),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Range (1e-3, 10) and the Eigen crop: NYUDataset's METAINFO (the
# evaluation range and crop live on the dataset only).
val_evaluator = dict(type='DepthMetric')
test_evaluator = val_evaluator
