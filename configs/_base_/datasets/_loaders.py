# What every training dataset base shares: the evaluation loaders of
# _eval_loaders.py, the training loader (8 images per GPU, infinite
# shuffled sampler) with the plain training pipeline (flip and colour
# augmentation, no crop), and the colour augmentation of the training
# pipelines (a base or a leaf changes a range with
# dict(_base_.color_aug, ...)).
_base_ = ['./_eval_loaders.py']
color_aug = dict(
    type='ColorAug',
    prob=0.5,
    gamma_range=(0.9, 1.1),
    brightness_range=(0.9, 1.1),
    color_range=(0.9, 1.1))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='RandomFlip', prob=0.5),
    color_aug,
    dict(type='PackDepthInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(pipeline=train_pipeline))
