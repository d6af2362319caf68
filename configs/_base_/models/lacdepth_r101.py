# LacDepth (two-stage lightweight depth estimation): ResNet-101 encoder,
# depth residual (Laplacian) pyramid decoder producing a relative depth map,
# then attractor-refined per-pixel bins (64 bins, attractors {16, 8, 4, 1})
# with conditional log-binomial probabilities; data loss x10 plus gradient
# loss x0.1 from iteration 30 (Eqs. (7)-(9)). ~67 M parameters.
_base_ = ['./_encoder_decoder.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    # The neck needs the input image (Laplacian residuals): the wrapper
    # returns (image, f1, ..., f5).
    backbone=dict(
        type='ImagePassthroughBackbone',
        backbone=dict(
            type='TimmBackbone',
            model_name='resnet101',
            # ImageNet weights as a local file (timm key layout), e.g.
            # 'pretrain/resnet101.pth'; never downloaded.
            pretrained=None)),
    neck=dict(
        type='LaplacianPyramidNeck',
        in_channels=[3, 64, 256, 512, 1024, 2048],
        channels=(64, 128, 256, 512),  # decoder at strides 2, 4, 8, 16
        lateral_channels=None,  # 2 x encoder channels (the paper)
        dilations=(None, None, (6, 12), (3, 6)),
        num_levels=4,  # Table 5
        pyramid_fusion='dense',  # Table 6
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='AttractorHead',
        in_channels=[1, 64, 128, 256, 512, 2048],
        channels=32,
        n_bins=64,
        n_attractors=(16, 8, 4, 1),  # coarse (1/16) to fine (1/2), Table 7
        bin_embedding_dim=128,
        attractor_alpha=300.,
        attractor_gamma=2.,
        attractor_type='exp',  # Eq. (5)
        attractor_aggregation='sum',  # Eq. (5)
        bin_centers_type='normed',
        prob_type='log_binomial',  # 'softmax' for the ablation
        min_temp=0.0212,
        max_temp=50.,
        min_depth=1e-3,
        max_depth=80,
        norm_cfg=norm_cfg,
        loss_decode=[
            # u * L_d, Eq. (8), u = 10
            dict(type='SqrtSILogLoss', loss_weight=10.0, lambd=0.85),
            # v * L_g, Eq. (9), v = 0.1, from training iteration 30
            dict(type='GradientLoss', loss_weight=0.1, start_iter=30),
        ]))
