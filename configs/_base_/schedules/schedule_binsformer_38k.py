# BinsFormer's schedule (the original toolbox's binsformer_*_w7 configs):
# schedule_onecycle_38k.py (AdamW lr 1e-4, wd 0.01, OneCycle 4e-6 -> 1e-4
# at 30% -> 4e-8 over train_cfg.max_iters = 38,400, clipping at 35,
# validation every 1,600) with betas (0.9, 0.999) and no weight decay on
# Swin's position tables and on norms. The original's `warmup_iters=12800`
# is not an argument of mmcv's OneCycle hook and has no effect.
_base_ = ['./schedule_onecycle_38k.py']
optim_wrapper = dict(
    optimizer=dict(betas=(0.9, 0.999)),
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
        }))
