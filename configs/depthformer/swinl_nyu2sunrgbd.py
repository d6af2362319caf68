# DepthFormer, Swin-L, trained on NYU-Depth-v2 and evaluated zero-shot on
# SUN RGB-D: the original toolbox's depthformer_swinl_22k_w7_nyu2sunrgbd.py
# (the NYU model and weights; only the test data differ). Training with it
# trains the NYU recipe (GPUs: 8 x 2 images = batch 16; 38,400 iterations;
# AdamW lr 1e-4, cosine with 12,800 warm-up iterations).
#   Test: python tools/test.py configs/depthformer/swinl_nyu2sunrgbd.py \
#             CKPT --tta
# Evaluation differs from the original toolbox on purpose (see
# _base_/datasets/sunrgbd.py): the original clips ground truth and prediction
# to 8 m and evaluates over (1e-3, 80] with the fixed 480x640 Eigen box;
# here ground truth beyond 8 m is left out and the box is scaled to the
# image size.
_base_ = ['./swinl_nyu.py']
sunrgbd_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', decode='sunrgbd'),
    dict(type='PackDepthInputs'),
]
# The flip test: the dataset bases' TestTimeAug step (_eval_loaders.py).
tta_pipeline = sunrgbd_test_pipeline[:-1] + [_base_.tta_flip]
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    dataset=dict(
        _delete_=True,
        type='SUNRGBDDataset',
        data_root='data/sunrgbd',
        ann_file='SUNRGBD_val_splits.txt',
        data_prefix=dict(img_path='', depth_map_path=''),
        test_mode=True,
        pipeline=sunrgbd_test_pipeline))
val_dataloader = test_dataloader
# Range (1e-3, 8) and the scaled Eigen crop: SUNRGBDDataset's METAINFO.
test_evaluator = dict(type='DepthMetric')
val_evaluator = test_evaluator
