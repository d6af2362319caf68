# Depth Anything V2 metric, ViT-B, fine-tuned on NYU-Depth-v2: the recipe of
# vitl_nyu.py (see there) with the ViT-B encoder and DPT head sizes of the
# original (features 128, reassembled widths [96, 192, 384, 768]).
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vitb_nyu.py 8
_base_ = ['./vitl_nyu.py']

model = _base_.vitb
