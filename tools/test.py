"""Evaluate a checkpoint.

Examples:
    python tools/test.py CONFIG CKPT                 # metrics
    python tools/test.py CONFIG CKPT --tta           # flip averaging
    python tools/test.py CONFIG CKPT --show-dir vis  # image | GT | pred
    python tools/test.py CONFIG CKPT --out preds     # uint16 PNG predictions
    bash tools/dist_test.sh CONFIG CKPT 8 --tta
"""
import argparse
import os.path as osp

from mmengine.config import ConfigDict
from mmengine.runner import Runner

import depth  # noqa: F401  (registers modules, checkpoint safe globals)
from depth.apis import pretrained_off
from depth.utils.cfg_options import (add_cfg_options_argument,
                                     add_launcher_arguments, load_run_config)
from depth.utils.dist import setup_cpu_distributed


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a depther')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation log and metrics')
    parser.add_argument(
        '--out',
        help='dir to write predictions as uint16 PNGs '
        '(depth x depth_scale), e.g. for the KITTI benchmark server')
    parser.add_argument(
        '--show', action='store_true', help='show panels in a window')
    parser.add_argument(
        '--show-dir',
        help='dir (under the work dir, or absolute) to save image | ground '
        'truth | prediction panels')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='display interval (s)')
    parser.add_argument(
        '--non-strict',
        action='store_true',
        help='load the checkpoint even if keys are missing, unexpected or '
        'mis-shaped (by default that is an error listing them: a model '
        'with randomly initialised parts must not be evaluated under a '
        "trained model's name)")
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test-time augmentation: average with the flipped image')
    add_cfg_options_argument(
        parser,
        'override config settings, e.g. model.decode_head.max_depth=80')
    add_launcher_arguments(parser)
    return parser.parse_args()


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            '--show/--show-dir need `default_hooks.visualization = '
            "dict(type='DepthVisualizationHook')` in the config")
    hook = default_hooks['visualization']
    hook['draw'] = True
    if args.show:
        hook['show'] = True
        hook['wait_time'] = args.wait_time
    if args.show_dir:
        hook['show_dir'] = args.show_dir
    return cfg


def main():
    args = parse_args()
    cfg = load_run_config(args)
    # loaded below, strictly, rather than by the runner (non-strict); the
    # checkpoint holds every weight, so no pretrained file is needed
    cfg.load_from = None
    pretrained_off(cfg.model)

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        if 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
            raise RuntimeError(
                '--tta needs `tta_pipeline` (dataset base) and '
                '`tta_model` (default_runtime.py) in the config')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    if args.out is not None:
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, (dict, ConfigDict)):
            evaluators = [evaluators]
        # PNGs named as the --show-dir panels: relative to the data root
        data_root = cfg.test_dataloader.get('dataset', {}).get('data_root')
        for evaluator in evaluators:
            if evaluator.get('type') == 'DepthMetric':
                evaluator['output_dir'] = args.out
                evaluator.setdefault('output_root', data_root)

    setup_cpu_distributed(cfg, args.launcher)
    if not osp.isfile(args.checkpoint):
        raise SystemExit(f'tools/test.py: checkpoint {args.checkpoint} not '
                         'found')
    if osp.getsize(args.checkpoint) == 0:
        raise SystemExit(f'tools/test.py: checkpoint {args.checkpoint} is '
                         'empty (an interrupted save or download?)')
    runner = Runner.from_cfg(cfg)
    try:
        runner.load_checkpoint(
            args.checkpoint, map_location='cpu', strict=not args.non_strict)
    except Exception as e:  # truncated, other model, unsafe pickle
        raise SystemExit(f'tools/test.py: cannot load checkpoint '
                         f'{args.checkpoint}: {type(e).__name__}: {e}') from e
    runner.test()


if __name__ == '__main__':
    main()
