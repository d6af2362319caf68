# The schedule of the CPU demos on the synthetic data (*_synthetic.py):
# schedule_onecycle_38k.py (AdamW, wd 0.01, clipping at 35; OneCycle with
# div 25 and final div 100) at lr 1e-3 with betas (0.9, 0.999) and a 10%
# warm-up (4e-5 -> 1e-3 at 10% -> 4e-7), which the Runner ends at
# train_cfg.max_iters, so a demo sets only its length: 1,000 iterations
# here, validation every 250.
_base_ = ['./schedule_onecycle_38k.py']
max_iters = 1000
val_interval = 250
max_lr = 1e-3
optim_wrapper = dict(optimizer=dict(lr=max_lr, betas=(0.9, 0.999)))
param_scheduler = [
    dict(_base_.param_scheduler[0], eta_max=max_lr, pct_start=0.1)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
