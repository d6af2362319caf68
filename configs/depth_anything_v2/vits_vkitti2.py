# Depth Anything V2 metric, the released outdoor model (vits), trained on
# Virtual KITTI 2 (depth_anything_v2_metric_vkitti_vits.pth, max depth 80 m),
# evaluated as it is, zero-shot, on KITTI (Eigen split, KB-cropped frame,
# Garg crop, 1e-3..80 m). The network and test-time resize are the
# original's: the image resized (keep ratio, bicubic) to a 518-pixel short
# side, sides multiples of 14; the prediction resized back (bilinear,
# align_corners=True), as infer_image. The training part is the KITTI
# fine-tuning recipe of vits_kitti.py (Virtual KITTI 2 is not a dataset of
# this toolbox).
#   Convert: python tools/model_converters/depth_anything_v2_to_depth.py \
#     depth_anything_v2_metric_vkitti_vits.pth \
#     checkpoints/depth_anything_v2_vits_vkitti2.pth
#   Test: python tools/test.py configs/depth_anything_v2/vits_vkitti2.py \
#     checkpoints/depth_anything_v2_vits_vkitti2.pth
_base_ = ['./vits_kitti.py']

# Everything comes from the converted release.
model = dict(backbone=dict(pretrained=None))
