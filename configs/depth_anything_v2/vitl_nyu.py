# Depth Anything V2 metric, ViT-L, fine-tuned on NYU-Depth-v2 (24,231) with
# the original metric_depth recipe (metric_depth/train.py, dist_train.sh):
#   start: the relative-depth encoder depth_anything_v2_vitl.pth (encoder
#   only, as --pretrained-from), converted with
#   tools/model_converters/depth_anything_v2_to_depth.py; random DPT head.
#   GPUs: 8 x 4 images = batch 32; 120 epochs (757 iterations each:
#   24,231 images, drop_last per GPU).
#   AdamW (0.9, 0.999), wd 0.01 on every parameter, lr 5e-6 encoder and
#   5e-5 (x10) head; poly decay, power 0.9, to 0.
#   518x518 crops of the image resized (keep ratio, bicubic) so that its
#   short side is 518, sides multiples of 14; horizontal flip 0.5.
#   SiLog loss, lambda 0.5; the original's indoor range 1e-3..20 m, output
#   sigmoid x 20 (so a converted Hypersim metric model can also be the
#   start: load_from=<converted depth_anything_v2_metric_hypersim_vitl>).
#   Test: the frame resized the same way (image only); the prediction is
#   resized back bilinearly (align_corners=True), as infer_image.
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vitl_nyu.py 8
#   Test:  python tools/test.py configs/depth_anything_v2/vitl_nyu.py CKPT
_base_ = [
    '../_base_/models/depth_anything_v2_dpt.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_dav2_metric.py'
]
num_gpus = 8
batch_size = 4  # per GPU: 8 x 4 = 32
iters_per_epoch = 757  # 24,231 images: ceil(/ 8) // 4
max_iters = 120 * iters_per_epoch  # 90,840
val_interval = iters_per_epoch  # the original validates every epoch
max_depth = 20

model = dict(
    backbone=dict(pretrained='pretrain/depth_anything_v2_vitl_encoder.pth'),
    decode_head=dict(
        max_depth=max_depth, loss_decode=dict(max_depth=max_depth)))

# The original's transforms (the model base's dav2_*) after our NYU loading
# and training crop (which removes the white border; none for testing): no
# rotation and no colour augmentation.
train_pipeline = _base_.train_pipeline[:3] + _base_.dav2_train_steps
test_pipeline = _base_.test_pipeline[:-1] + _base_.dav2_test_steps
tta_pipeline = _base_.test_pipeline[:-1] + [_base_.dav2_tta_step]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
# The original converts BatchNorm to SyncBatchNorm; the model has none.
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
