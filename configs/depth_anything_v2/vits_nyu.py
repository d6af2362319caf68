# Depth Anything V2 metric, ViT-S, fine-tuned on NYU-Depth-v2: the recipe of
# vitl_nyu.py (see there) with the ViT-S encoder and DPT head sizes of the
# original (features 64, reassembled widths [48, 96, 192, 384]).
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vits_nyu.py 8
_base_ = ['./vitl_nyu.py']

model = dict(
    backbone=dict(
        arch='vits',
        out_indices=(2, 5, 8, 11),
        pretrained='pretrain/depth_anything_v2_vits_encoder.pth'),
    decode_head=dict(
        in_channels=384, channels=64, reassemble_channels=[48, 96, 192, 384]))
