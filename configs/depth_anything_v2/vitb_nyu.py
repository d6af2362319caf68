# Depth Anything V2 metric, ViT-B, fine-tuned on NYU-Depth-v2: the recipe of
# vitl_nyu.py (see there) with the ViT-B encoder and DPT head sizes of the
# original (features 128, reassembled widths [96, 192, 384, 768]).
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vitb_nyu.py 8
_base_ = ['./vitl_nyu.py']

model = dict(
    backbone=dict(
        arch='vitb',
        out_indices=(2, 5, 8, 11),
        pretrained='pretrain/depth_anything_v2_vitb_encoder.pth'),
    decode_head=dict(
        in_channels=768, channels=128, reassemble_channels=[96, 192, 384,
                                                            768]))
