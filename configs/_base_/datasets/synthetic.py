# The embedded synthetic dataset: procedurally rendered scenes with exact
# metric depth, generated into data/synthetic on first use (seconds) and
# then read through the same loading code as KITTI/NYU.
dataset_type = 'SyntheticDepthDataset'
data_root = 'data/synthetic'
img_size = (120, 160)
synthetic_cfg = dict(
    num_train=400,
    num_val=50,
    img_size=img_size,
    seed=0,
    max_depth=20)  # metres; also the evaluation range (1e-3, 20)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='ColorAug',
        prob=0.5,
        gamma_range=(0.9, 1.1),
        brightness_range=(0.9, 1.1),
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
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        pipeline=train_pipeline,
        **synthetic_cfg))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.txt',
        test_mode=True,
        pipeline=test_pipeline,
        **synthetic_cfg))
test_dataloader = val_dataloader
# Range (1e-3, max_depth), no crop: SyntheticDepthDataset's metainfo.
val_evaluator = dict(type='DepthMetric')
test_evaluator = val_evaluator
