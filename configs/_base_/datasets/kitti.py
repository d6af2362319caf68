# KITTI Eigen split, the original toolbox's layout (docs/dataset_prepare.md):
# data/kitti/{input/<date>/<drive>/image_02/data/*.png,
#             gt_depth/<drive>/proj_depth/groundtruth/image_02/*.png,
#             kitti_eigen_train.txt, kitti_eigen_test.txt}
# Loaders, metric and flip test: _loaders.py.
_base_ = ['./_loaders.py']
dataset_type = 'KITTIDataset'
data_root = 'data/kitti'
crop_size = (352, 704)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', depth=True),
    dict(type='RandomRotate', prob=0.5, degree=2.5),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
    _base_.color_aug,
    dict(type='PackDepthInputs'),
]
# Evaluation frame: the KB crop (352x1216) of image and ground truth; the
# Garg crop is applied inside it by the metric, as the original toolbox.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', depth=True),
    dict(type='PackDepthInputs'),
]
tta_pipeline = test_pipeline[:-1] + [_base_.tta_flip]
kitti_data = dict(
    type=dataset_type,
    data_root=data_root,
    data_prefix=dict(img_path='input', depth_map_path='gt_depth'))
train_dataloader = dict(
    dataset=dict(
        kitti_data, ann_file='kitti_eigen_train.txt', pipeline=train_pipeline))
# Range (1e-3, 80) and the Garg crop: KITTIDataset's METAINFO (the
# evaluation range and crop live on the dataset only).
val_dataloader = dict(
    dataset=dict(
        kitti_data, ann_file='kitti_eigen_test.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
