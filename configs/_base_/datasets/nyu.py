# NYU-Depth-v2 (BTS sync subset, 24,231 train / 654 test), the original
# toolbox's layout: data/nyu/<scene>/rgb_XXXXX.jpg + sync_depth_XXXXX.png
# with data/nyu/nyu_train.txt and nyu_test.txt.
# Loaders, metric and flip test: _loaders.py.
_base_ = ['./_loaders.py']
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
    dict(_base_.color_aug, brightness_range=(0.75, 1.25)),
    dict(type='PackDepthInputs'),
]
# Testing: _loaders.py's test pipeline and flip test (no crop).
nyu_data = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='', depth_map_path=''))
train_dataloader = dict(
    dataset=dict(nyu_data, ann_file='nyu_train.txt', pipeline=train_pipeline))
# Range (1e-3, 10) and the Eigen crop: NYUDataset's METAINFO (the
# evaluation range and crop live on the dataset only).
val_dataloader = dict(dataset=dict(nyu_data, ann_file='nyu_test.txt'))
test_dataloader = val_dataloader
