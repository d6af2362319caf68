# Depth Anything V2 metric, the released indoor model (vitl), trained on
# Hypersim (depth_anything_v2_metric_hypersim_vitl.pth, max depth 20 m),
# evaluated as it is, zero-shot, on NYU-Depth-v2 (Eigen crop, 1e-3..10 m).
# The network and test-time resize are the original's: the image resized
# (keep ratio, bicubic) to a 518-pixel short side, sides multiples of 14; the
# prediction resized back (bilinear, align_corners=True), as infer_image.
# The training part is the NYU fine-tuning recipe of vitl_nyu.py (Hypersim
# itself is not a dataset of this toolbox).
#   Convert: python tools/model_converters/depth_anything_v2_to_depth.py \
#     depth_anything_v2_metric_hypersim_vitl.pth \
#     checkpoints/depth_anything_v2_vitl_hypersim.pth
#   Test: python tools/test.py configs/depth_anything_v2/vitl_hypersim.py \
#     checkpoints/depth_anything_v2_vitl_hypersim.pth
_base_ = ['./vitl_nyu.py']

# Everything comes from the converted release.
model = dict(backbone=dict(pretrained=None))
