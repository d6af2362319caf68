# Your own RGB-D data (CustomDepthDataset), from split files:
#   data/custom_dataset/rgb/...    images (any layout below rgb/)
#   data/custom_dataset/depth/...  uint16 PNGs of metres * depth_scale,
#                                  0 = invalid
#   data/custom_dataset/train.txt, val.txt: "<rgb> <depth | None> [<focal>]"
#                                  per line, relative to rgb/ and depth/
# The depth scale, the evaluated depth range and the crop are dataset
# arguments (`custom_data` below), so they live in one place: the dataset's
# metainfo, which the metric (it names none of them) reads as
# dataset_meta. A leaf changes them by merging one dict into
# the dataloaders (docs/dataset_prepare.md):
#   custom_data = dict(data_root=..., depth_scale=256, max_depth_eval=80)
#   train_dataloader = dict(dataset=custom_data)
#   val_dataloader = dict(dataset=custom_data)
#   test_dataloader = val_dataloader
# No training crop: frames of one size batch as they are (add a RandomCrop
# to train_pipeline for large frames). Loaders, metric and flip test:
# _loaders.py.
_base_ = ['./_loaders.py']
dataset_type = 'CustomDepthDataset'
custom_data = dict(
    data_root='data/custom_dataset',
    data_prefix=dict(img_path='rgb', depth_map_path='depth'),
    depth_scale=1000,
    min_depth_eval=1e-3,
    max_depth_eval=10,
    crop_type=None)
# The pipelines (flip and colour augmentation for training; the flip test):
# _loaders.py's.
train_dataloader = dict(
    num_workers=4,
    dataset=dict(type=dataset_type, ann_file='train.txt', **custom_data))
# The range and the crop come from the dataset (see above).
val_dataloader = dict(
    num_workers=2,
    dataset=dict(type=dataset_type, ann_file='val.txt', **custom_data))
test_dataloader = val_dataloader
