"""Train a depther.

Examples:
    python tools/train.py configs/densedepth/mobilenetv2_synthetic.py
    python tools/train.py CONFIG --resume            # latest checkpoint
    python tools/train.py CONFIG --cfg-options load_from=CKPT --non-strict
    python tools/train.py CONFIG --amp \
        --cfg-options train_dataloader.batch_size=4
    bash tools/dist_train.sh CONFIG 8
"""
import argparse
import logging
import os.path as osp

import torch
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner

import depth  # noqa: F401  (registers modules, checkpoint safe globals)
from depth.converters.strict_load import state_dict_mismatch
from depth.utils.cfg_options import (add_cfg_options_argument,
                                     add_launcher_arguments, load_run_config)
from depth.utils.dist import setup_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(description='Train a depther')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from this checkpoint; without a path, from the latest '
        'checkpoint in the work dir')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='let `load_from` differ from the model (fine-tuning from a '
        'checkpoint with another head): the keys that do not fit are listed '
        'and keep their initialisation. Without it they are an error')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic mixed precision training (GPU)')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by (total batch size / '
        'auto_scale_lr.base_batch_size)')
    add_cfg_options_argument(
        parser, 'override config settings, e.g. '
        'train_cfg.max_iters=100 model.decode_head.max_depth=80')
    add_launcher_arguments(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    cfg = load_run_config(args)

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in the config.',
                logger='current',
                level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError('--amp only works with OptimWrapper, got '
                                 f'{optim_wrapper}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or \
                'base_batch_size' not in cfg.auto_scale_lr:
            raise RuntimeError('--auto-scale-lr needs `auto_scale_lr = '
                               'dict(base_batch_size=...)` in the config')
        cfg.auto_scale_lr.enable = True

    setup_cpu_distributed(cfg, args.launcher)
    runner = Runner.from_cfg(cfg)
    if cfg.get('load_from'):
        check_checkpoint(runner, cfg.load_from, strict=not args.non_strict)
    runner.train()


def check_checkpoint(runner: Runner, path: str, strict: bool) -> None:
    """Refuse a ``load_from``/``--resume`` file that is missing, empty, or
    (with ``strict``) does not fit the model key for key and shape for
    shape. mmengine loads non-strictly: it would log the mismatch and train
    the rest from random initialisation."""
    if not osp.isfile(path):
        raise SystemExit(f'tools/train.py: checkpoint {path} not found')
    if osp.getsize(path) == 0:
        raise SystemExit(f'tools/train.py: checkpoint {path} is empty (an '
                         'interrupted save or download?)')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as e:  # truncated, not a checkpoint, unsafe pickle
        raise SystemExit(f'tools/train.py: checkpoint {path} cannot be read '
                         f'({type(e).__name__}: {e})') from e
    if not strict and not runner._resume:
        return  # readable; mmengine reports the keys that do not fit
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else ckpt
    state = {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state.items()
    }
    model = runner.model.module if is_model_wrapper(runner.model) else \
        runner.model
    problem = state_dict_mismatch(model, state)
    if problem:
        hint = ('' if runner._resume else
                ' Pass --non-strict to fine-tune from it anyway.')
        raise SystemExit(f'tools/train.py: checkpoint {path} does not fit '
                         f'the model: {problem}.{hint}')


if __name__ == '__main__':
    main()
