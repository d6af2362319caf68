# BinsFormer with Swin-L (ImageNet-22k, window 7): binsformer_swin.py with
# the Swin-L encoder (embed 192, depths 2-2-18-2, heads 6-12-24-48; _swin.py's
# swin_l) and the head widened to its channels (width 512, 256 positional
# features per axis), as the original toolbox's Swin-L configs.
_base_ = ['./binsformer_swin.py']
model = dict(
    backbone=_base_.swin_l,
    decode_head=dict(
        in_channels=[192, 384, 768, 1536],
        channels=512,
        positional_encoding=dict(num_feats=256)))
