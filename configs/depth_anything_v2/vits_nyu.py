# Depth Anything V2 metric, ViT-S, fine-tuned on NYU-Depth-v2: the recipe of
# vitl_nyu.py (see there) with the ViT-S encoder and DPT head sizes of the
# original (features 64, reassembled widths [48, 96, 192, 384]).
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vits_nyu.py 8
_base_ = ['./vitl_nyu.py']

model = _base_.vits
