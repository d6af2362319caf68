# AdaBins, EfficientNet-B5 (AdvProp), NYU-Depth-v2: the original toolbox's
# recipe (adabins_efnetb5ap_nyu_24e), which follows the paper's.
#   GPUs: 2 x 8 images = batch 16, 24 epochs of 1,514 iterations = 36,336.
#   AdamW lr 3.57e-4, wd 0.1, betas (0.95, 0.99); OneCycle (div 25, final
#   div 100, 30% warm-up) with beta1 cycling 0.95 -> 0.85 -> 0.95; grad
#   clip 0.1; SyncBN; SigLoss x10 + chamfer x0.1.
#   Train: bash tools/dist_train.sh configs/adabins/efnetb5_nyu.py 2
#   Official weights: python tools/model_converters/adabins2depth.py
#     AdaBins_nyu.pt checkpoints/adabins_efnetb5_nyu.pth (see README.md);
#     test it with --cfg-options model.backbone.pretrained=None added.
#   Test:  python tools/test.py configs/adabins/efnetb5_nyu.py CKPT --tta
_base_ = [
    '../_base_/models/adabins_efnetb5.py', '../_base_/datasets/nyu.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/schedule_adabins_24e.py'
]
num_gpus = 2
batch_size = 8  # per GPU: 2 x 8 = 16
iters_per_epoch = 1514  # 24,231 images / 16
max_iters = 24 * iters_per_epoch  # 36,336
val_interval = iters_per_epoch  # the toolbox evaluated every epoch

model = dict(
    backbone=dict(pretrained='pretrain/tf_efficientnet_b5_ap_in1k.pth'),
    decode_head=dict(
        min_depth=1e-3,
        max_depth=10,
        # The released model's settings come from the base (bins_eps=0.1,
        # flat 500-row positional table, bottleneck_padding=1). The paper's
        # variant: bins_eps=1e-3, bottleneck_padding=0,
        # pos_embed_type='grid', pos_embed_size=(13, 17) (the token grid of
        # a 416x544 crop: decoder at H/2, patches of 16).
    ))

train_dataloader = dict(batch_size=batch_size)
# The schedule (with the momentum turn at 30% of 36,336) is the base's.
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
# BatchNorm -> SyncBatchNorm in distributed runs (mmengine Runner). The
# EfficientNetEncoder keeps its activations through this conversion.
sync_bn = 'torch'
auto_scale_lr = dict(enable=False, base_batch_size=num_gpus * batch_size)
