# KITTI official depth-prediction benchmark split. The original toolbox
# ships the lists as kitti_benchmark_{train,val}.txt and
# benchmark_test.txt (500 GT-less frames in data/kitti/benchmark_test with
# intrinsics in data/kitti/benchmark_cam). Colour augmentation always on,
# evaluation range (1e-3, 88] as the original.
_base_ = ['./kitti.py']
# KITTI's training pipeline with the colour augmentation always on.
train_pipeline = _base_.train_pipeline[:-2] + [
    dict(_base_.color_aug, prob=1.0),
    dict(type='PackDepthInputs'),
]
train_dataloader = dict(
    dataset=dict(
        ann_file='kitti_benchmark_train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(ann_file='kitti_benchmark_val.txt', max_depth_eval=88))
# Benchmark submission: predictions of the GT-less test frames written as
# uint16 PNG (depth x 256) with `format_only`.
test_dataloader = dict(
    dataset=dict(
        ann_file='benchmark_test.txt',
        data_prefix=dict(img_path='benchmark_test', depth_map_path=''),
        cam_dir='benchmark_cam',
        allow_missing_depth=True,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='KBCrop', depth=False),
            dict(type='PackDepthInputs'),
        ]))
test_evaluator = dict(
    type='DepthMetric',
    format_only=True,
    depth_scale=256,
    output_dir='work_dirs/kitti_benchmark_submission')
