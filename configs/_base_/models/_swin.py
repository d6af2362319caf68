# The Swin Transformer encoder of the BinsFormer and DepthFormer bases
# (they inherit it): DepthFormerSwin as Swin-T (ImageNet-1k, window 7),
# plain (no convolution branch: DepthFormer adds it), on
# _encoder_decoder.py. `swin_l` holds the Swin-L (ImageNet-22k, window 7)
# settings for model.backbone, `swin_toy` the toy Swin of the CPU demos
# (*/swint-tiny_synthetic.py: embed 16, depths 2-2-2-2, random init).
_base_ = ['./_encoder_decoder.py']
model = dict(
    backbone=dict(
        type='DepthFormerSwin',
        pretrain_img_size=224,
        embed_dims=96,
        patch_size=4,
        window_size=7,
        mlp_ratio=4,
        depths=[2, 2, 6, 2],
        num_heads=[3, 6, 12, 24],
        out_indices=(0, 1, 2, 3),
        qkv_bias=True,
        qk_scale=None,
        patch_norm=True,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.3,
        use_abs_pos_embed=False,
        conv_channels=None,
        # local file, e.g. 'pretrain/swin_tiny_patch4_window7_224.pth'
        pretrained=None))
swin_l = dict(
    embed_dims=192,
    depths=[2, 2, 18, 2],
    num_heads=[6, 12, 24, 48],
    window_size=7,
    drop_path_rate=0.3,
    # the official Swin release file (see configs/depthformer/README.md)
    pretrained='pretrain/swin_large_patch4_window7_224_22k.pth')
swin_toy = dict(
    embed_dims=16,
    depths=[2, 2, 2, 2],
    num_heads=[1, 2, 4, 8],
    drop_path_rate=0.1,
    pretrained=None)
