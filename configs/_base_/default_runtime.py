default_scope = 'depth'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
# Add dict(type='TensorboardVisBackend') to log scalars and images to
# TensorBoard (needs `pip install tensorboard`).
visualizer = dict(
    type='DepthLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=1600,
        max_keep_ckpts=2,
        save_best='abs_rel',
        rule='less'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='DepthVisualizationHook'))

# SanitizeCheckpointHook: checkpoints load with torch.load(weights_only=True)
# and never hold non-finite weights. NonFiniteLossHook: a step whose loss or
# gradient norm is NaN/inf is never applied; the first one stops training
# with an error naming the iteration and the terms (max_skips=N skips up to N
# of them instead, counted in the log). TrainPreflightHook: a resume past
# max_iters, or a training set without valid depth, is an error before the
# first iteration. AtomicCheckpointHook (default_hooks.checkpoint): no
# checkpoint file is ever half-written, and the previous best is removed only
# once the new one is in place.
custom_hooks = [
    dict(type='SanitizeCheckpointHook'),
    dict(type='NonFiniteLossHook', max_skips=0),
    dict(type='TrainPreflightHook')
]

tta_model = dict(type='DepthTTAModel')
randomness = dict(seed=0)
