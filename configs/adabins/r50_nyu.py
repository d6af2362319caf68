# AdaBins with a ResNet-50 encoder, NYU-Depth-v2: the original toolbox's
# adabins_r50_nyu_24e (its base schedule, not the EfficientNet recipe).
#   GPUs: 2 x 8 images = batch 16, 24 epochs of 1,514 iterations = 36,336.
#   AdamW lr 1e-4, wd 0.01, betas (0.95, 0.99); OneCycle (div 25, final
#   div 100, 30% warm-up), no momentum cycling; grad clip 35; SyncBN;
#   SigLoss x10 + chamfer x0.1.
#   Train: bash tools/dist_train.sh configs/adabins/r50_nyu.py 2
#   Test:  python tools/test.py configs/adabins/r50_nyu.py CKPT --tta
_base_ = [
    '../_base_/models/adabins_efnetb5.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_onecycle_38k.py'
]
num_gpus = 2
batch_size = 8  # per GPU: 2 x 8 = 16
# The base schedule over 24 epochs instead of 38,400 iterations (its
# OneCycleLR follows train_cfg.max_iters), evaluated every epoch.
iters_per_epoch = 1514  # 24,231 images / 16
max_iters = 24 * iters_per_epoch  # 36,336
val_interval = iters_per_epoch  # the toolbox evaluated every epoch

model = dict(
    backbone=dict(
        _delete_=True,
        type='TimmBackbone',
        model_name='resnet50',
        # torchvision's ImageNet resnet50 (IMAGENET1K_V1, what the toolbox
        # loaded) as a local file; timm's resnet keys are torchvision's.
        pretrained='pretrain/resnet50_tv_in1k.pth',
        # stem (64, H/2), layer1..4 (256..2048, H/4..H/32)
        out_indices=(0, 1, 2, 3, 4)),
    decode_head=dict(
        in_channels=[64, 256, 512, 1024, 2048],
        min_depth=1e-3,
        max_depth=10,
        # The paper's variant (the base holds the released AdaBins code's
        # settings: bins_eps=0.1, flat 500-row table, bottleneck_padding=1).
        bins_eps=1e-3,
        pos_embed_type='grid',
        pos_embed_size=(13, 17),
        bottleneck_padding=0))

train_dataloader = dict(batch_size=batch_size)
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
sync_bn = 'torch'
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
