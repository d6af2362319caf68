# What every dataset base's evaluation shares (a dataset base inherits it,
# through _loaders.py when it also trains): one image per step, the
# dataset in test mode with the plain test pipeline (load image and depth,
# pack), the metric, and the flip test step of tta_pipeline. A dataset base
# adds only what is its own: the dataset type, root, split file, prefixes,
# its pipeline where it differs and the worker count where it differs
# (`test_dataloader = val_dataloader` in a dataset base merges the same dict
# into both loaders below, so they stay equal).
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='PackDepthInputs'),
]
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
# The evaluation range and crop come from the dataset's metainfo.
val_evaluator = dict(type='DepthMetric')
test_evaluator = val_evaluator
# The flip test: a dataset base's tta_pipeline is its test_pipeline with
# this step in place of the final PackDepthInputs.
tta_flip = dict(
    type='TestTimeAug',
    transforms=[[
        dict(type='RandomFlip', prob=0.),
        dict(type='RandomFlip', prob=1.)
    ], [dict(type='PackDepthInputs')]])
tta_pipeline = test_pipeline[:-1] + [tta_flip]
