# The embedded synthetic dataset: procedurally rendered scenes with exact
# metric depth, generated into data/synthetic on first use (seconds) and
# then read through the same loading code as KITTI/NYU.
# Loaders, metric and flip test: _loaders.py (one worker here).
_base_ = ['./_loaders.py']
dataset_type = 'SyntheticDepthDataset'
data_root = 'data/synthetic'
img_size = (120, 160)
synthetic_cfg = dict(
    num_train=400, num_val=50, img_size=img_size, seed=0,
    max_depth=20)  # metres; also the evaluation range (1e-3, 20)
synthetic_data = dict(type=dataset_type, data_root=data_root, **synthetic_cfg)
# The pipelines (flip and colour augmentation for training; the flip test):
# _loaders.py's.
train_dataloader = dict(
    num_workers=1, dataset=dict(synthetic_data, ann_file='train.txt'))
# Range (1e-3, max_depth), no crop: SyntheticDepthDataset's metainfo.
val_dataloader = dict(
    num_workers=1, dataset=dict(synthetic_data, ann_file='val.txt'))
test_dataloader = val_dataloader
