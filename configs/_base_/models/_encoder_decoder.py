# What the model bases share (they inherit it): a DepthEncoderDecoder with
# the ImageNet-statistics data preprocessor (RGB, padding to a multiple of
# 32 with 0 for the image and the depth map) and whole-image inference. A
# model base adds its backbone, neck and head, and changes the
# preprocessor by merging (e.g. data_preprocessor = dict(test_cfg=...),
# then model = dict(data_preprocessor=data_preprocessor, ...)).
data_preprocessor = dict(
    type='DepthDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    size_divisor=32,
    pad_val=0,
    depth_pad_val=0)
model = dict(
    type='DepthEncoderDecoder',
    data_preprocessor=data_preprocessor,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
