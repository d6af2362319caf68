# DepthFormer with Swin-L (ImageNet-22k, window 7): depthformer_swint.py with
# the Swin-L encoder (embed 192, depths 2-2-18-2, heads 6-12-24-48) and the
# HAHI neck and decoder widened to its channels (HAHI embedding 512).
_base_ = ['./depthformer_swint.py']
swin_l_channels = [64, 192, 384, 768, 1536]
model = dict(
    backbone=_base_.swin_l,
    neck=dict(
        in_channels=swin_l_channels,
        out_channels=swin_l_channels,
        embedding_dim=512,
        positional_encoding=dict(type='SinePositionalEncoding',
                                 num_feats=256)),
    decode_head=dict(
        in_channels=swin_l_channels, up_sample_channels=swin_l_channels))
