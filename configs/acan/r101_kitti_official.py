# ACAN, ResNet-101, KITTI Eigen split, as the OFFICIAL CODE builds it
# (github.com/miraiaroha/ACAN, code/train_kitti_script.sh), not the paper:
# see configs/acan/README.md, "Differences from the official code".
#   model: every block of layer3/layer4 dilated 2/4; psi = 3x3 conv-ReLU-
#   1x1 conv-ReLU (no BN), value width 2048; image pooling GAP -> dropout
#   0.5 -> FC 2048-512-512; merge dropout 0.5 -> 1x1 conv 2560-2048 (no
#   BN) -> ReLU -> dropout 0.5; 2K = 160 logits upsampled x8 with
#   align_corners=True; labels rounded, label 0 ignored; K = 80 over
#   [1.98, 80] m; attention loss off (its scripts set beta = 0).
#   data: 160x640 crops of the 0.75-scaled frame (approximation, below);
#   1 GPU, batch 5, 50 epochs of its 22,285-image Eigen list = 222,850
#   iterations, SGD lr 2e-4, decoder x10, poly 0.9.
#   Train: python tools/train.py configs/acan/r101_kitti_official.py
_base_ = ['./r101_kitti.py']
batch_size = 5  # the official script's BATCHSIZE
# 50 epochs of the official eigen_train_files.txt (22,285 images):
# ceil(22285 / 5) = 4,457 iterations per epoch.
iters_per_epoch = 4457
max_iters = 50 * iters_per_epoch  # 222,850
val_interval = 5 * iters_per_epoch
input_size = (160, 640)  # (H, W), the official KITTI input

model = dict(
    backbone=dict(first_block_dilation=dict(layer3=2, layer4=4)),
    decode_head=dict(
        in_channels=2048,
        channels=2048,
        key_channels=512,
        value_channels=2048,
        pool_channels=512,
        value_type='conv3x3_conv1x1',
        pool_type='fc',
        pool_dropout_ratio=0.5,
        fusion_norm=False,
        fusion_dropout_ratio=0.5,
        dropout_ratio=0.5,
        num_intervals=80,
        classifier='ordinal',
        inference='soft',
        discretization='log',
        min_depth=1.98,
        max_depth=80.0,
        label_mode='round',
        upsample_scale=8,
        align_corners=True,
        loss_decode=dict(type='OrdinalRegressionLoss', loss_weight=1.0),
        loss_attention=None))

# The official pipeline crops rows 130:370 and columns 10:1210 of the raw
# frame, scales by 0.75 (180x900) and takes a random (train) / centre
# (test) 160x640 crop. Without a fixed-window crop transform, this config
# takes the KB crop (352x1216, bottom centre), scales it by 0.75 (264x912)
# and takes a random 160x640 crop for training; tests run on the whole
# 264x912 map (the model is fully convolutional: its pooling is global)
# and are evaluated on the Garg crop of the KB frame.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', depth=True),
    dict(type='Resize', scale_factor=0.75),
    dict(type='RandomCrop', crop_size=input_size),
    dict(type='RandomFlip', prob=0.5),
    dict(_base_.color_aug, brightness_range=(0.6, 1.4)),
    dict(type='PackDepthInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='KBCrop', depth=True),
    dict(type='Resize', scale_factor=0.75),
    dict(type='PackDepthInputs'),
]
# The test pipeline with the flip test (the dataset bases' TestTimeAug step,
# _base_/datasets/_eval_loaders.py) instead of its PackDepthInputs.
tta_pipeline = test_pipeline[:-1] + [_base_.tta_flip]
train_dataloader = dict(
    batch_size=batch_size, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# The poly schedule of the base ends at train_cfg.max_iters.
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
