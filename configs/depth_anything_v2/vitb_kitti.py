# Depth Anything V2 metric, ViT-B, fine-tuned on KITTI: the recipe of
# vitl_kitti.py (see there) with the ViT-B encoder and DPT head sizes of the
# original (features 128, reassembled widths [96, 192, 384, 768]).
#   Train: bash tools/dist_train.sh configs/depth_anything_v2/vitb_kitti.py 8
_base_ = ['./vitl_kitti.py']

model = _base_.vitb
