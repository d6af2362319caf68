# SUN RGB-D, evaluation only (zero-shot transfer of NYU-trained models):
# data/sunrgbd/{SUNRGBD/{kv1,kv2,realsense,xtion}/..., SUNRGBD_val_splits.txt}
# Depth PNGs use SUN RGB-D's bit rotation; range (1e-3, 8] and the NYU
# Eigen crop box scaled to each image size. Loaders, metric and flip test:
# _eval_loaders.py.
_base_ = ['./_eval_loaders.py']
dataset_type = 'SUNRGBDDataset'
data_root = 'data/sunrgbd'
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', decode='sunrgbd'),
    dict(type='PackDepthInputs'),
]
tta_pipeline = test_pipeline[:-1] + [_base_.tta_flip]
# Range (1e-3, 8) and the scaled Eigen crop: SUNRGBDDataset's METAINFO.
test_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='SUNRGBD_val_splits.txt',
        data_prefix=dict(img_path='', depth_map_path=''),
        pipeline=test_pipeline))
val_dataloader = test_dataloader
