"""Time the full mmengine training iteration of a config against the bare
model step on the same tensors.

Both measurements use the model of CONFIG (pretrained weights off) and one
fixed random batch of ``--batch`` images of ``--size`` (uint8 images, depth
uniform inside the head's range with an invalid band):

- **runner**: ``IterBasedTrainLoop.run_iter`` of a real mmengine Runner built
  from the config: every hook's ``before/after_train_iter`` (timer, logger,
  parameter schedulers, checkpoint bookkeeping, the non-finite guard), the
  data preprocessor, the losses, ``parse_losses`` and the optim wrapper's
  ``update_params`` with its gradient clipping.
- **bare**: the preprocessed tensors fed to ``model(..., mode='loss')``, the
  loss terms summed, ``backward()``, ``optimizer.step()`` and
  ``zero_grad()`` on the same optimizer, nothing else.

Rounds alternate between the two (after warm-up) and the median time per
iteration of each is reported with images/s, the ratio runner/bare, and
the peak memory (CUDA max allocated, or the process's peak RSS on CPU,
which covers both and the model build).

Examples::

    python tools/analysis_tools/benchmark_train.py \\
        configs/densedepth/mobilenetv2_synthetic.py --threads 2
    python tools/analysis_tools/benchmark_train.py \\
        configs/depthformer/swint_nyu.py --size 128 160 --batch 2
    python tools/analysis_tools/benchmark_train.py \\
        configs/depthformer/swinl_kitti.py --device cuda --amp bf16 --batch 8
"""
import argparse
import contextlib
import copy
import os
import resource
import statistics
import tempfile
import time
from typing import Callable, Dict, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmengine.runner import Runner
from torch.utils.data import DataLoader

import depth  # noqa: F401  (registers modules)
from depth.apis.benchmark_setup import innermost_dataset, prepare_benchmark
from depth.testing import demo_batch
from depth.utils.cfg_options import add_cfg_options_argument


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Runner vs bare training-step throughput of a config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument(
        '--amp',
        choices=['bf16', 'fp16'],
        help='autocast dtype (AmpOptimWrapper for the runner)')
    parser.add_argument(
        '--batch',
        type=int,
        help='images per step (default: the config\'s batch size)')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='image size (default: the config\'s crop size)')
    parser.add_argument(
        '--iters', type=int, default=10, help='timed iterations per round')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument(
        '--warmup', type=int, default=3, help='untimed iterations of each')
    parser.add_argument(
        '--threads', type=int, help='torch.set_num_threads (CPU)')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def crop_size_of(cfg: Config) -> Tuple[int, int]:
    """The training crop of the config's pipeline, else its image size."""
    dataset = innermost_dataset(cfg, 'train')
    for t in dataset.get('pipeline', []):
        if 'crop_size' in t:
            return tuple(t['crop_size'])
    if 'img_size' in dataset:
        return tuple(dataset['img_size'])
    return (352, 704)


def build_runner(cfg: Config, batch: dict, work_dir: str) -> Runner:
    """A Runner of ``cfg`` whose training data is ``batch``, over and over,
    with checkpoints and validation out of the way."""
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.train_cfg.pop('val_interval', None)
    cfg.train_cfg.pop('val_begin', None)
    cfg.default_hooks.checkpoint.update(interval=10**9, save_best=None)
    cfg.default_hooks.pop('visualization', None)
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') != 'TrainPreflightHook'  # reads the real dataset
    ]
    cfg.load_from, cfg.resume = None, False
    cfg.log_level = 'WARNING'
    # mmengine keeps loggers and visualizers by name: a fresh name per
    # runner, so that several runs in one process don't share them.
    name = f'benchmark_train_{os.getpid()}_{time.time_ns()}'
    cfg.experiment_name = name
    cfg.visualizer.name = name
    cfg.launcher = 'none'
    # Built, but unused: every timed iteration gets ``batch`` itself.
    samples = [
        dict(inputs=x, data_samples=s)
        for x, s in zip(batch['inputs'], batch['data_samples'])
    ]
    cfg.train_dataloader = dict(dataset=dict(type='unused'))
    runner = Runner.from_cfg(cfg)
    runner._train_dataloader = DataLoader(
        samples, batch_size=len(samples), collate_fn=pseudo_collate)
    return runner


def _sync(device: str) -> None:
    if device == 'cuda':
        torch.cuda.synchronize()


def _time(step: Callable[[], None], iters: int, device: str) -> float:
    _sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        step()
    _sync(device)
    return (time.perf_counter() - start) / iters


def run(args: argparse.Namespace) -> Dict[str, float]:
    """Measure; returns the figures (seconds per iteration and more)."""
    cfg = prepare_benchmark(args, 'benchmark_train.py')
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.dtype = 'bfloat16' if args.amp == 'bf16' else \
            'float16'
    cfg.env_cfg.setdefault('dist_cfg', dict(backend='nccl'))
    if args.device == 'cpu':
        cfg.pop('sync_bn', None)
    batch_size = args.batch or cfg.train_dataloader.batch_size
    h, w = args.size or crop_size_of(cfg)
    max_depth = cfg.model.decode_head.get('max_depth', 10.) or 10.
    batch = demo_batch(batch_size, h, w, max_depth=max_depth)

    device = args.device
    with tempfile.TemporaryDirectory() as work_dir, _on_device(device):
        runner = build_runner(cfg, batch, work_dir)
        MMLogger.get_current_instance().setLevel('WARNING')
        loop = _start_training(runner)
        model = runner.model
        optimizer = runner.optim_wrapper.optimizer
        data = model.data_preprocessor(batch, True)
        autocast = _autocast(device, args.amp)
        scaler = torch.amp.GradScaler(device) if args.amp == 'fp16' else None

        def runner_step():
            loop.run_iter(batch)

        def bare_step():
            with autocast():
                losses = model(**data, mode='loss')
            loss = sum(v.mean() for k, v in losses.items() if 'loss' in k)
            if scaler is None:
                loss.backward()
                optimizer.step()
            else:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            optimizer.zero_grad()

        for _ in range(args.warmup):
            runner_step()
            bare_step()
        times = dict(runner=[], bare=[])
        memory = {}
        for _ in range(args.rounds):
            for name, step in (('runner', runner_step), ('bare', bare_step)):
                if device == 'cuda':
                    torch.cuda.reset_peak_memory_stats()
                times[name].append(_time(step, args.iters, device))
                if device == 'cuda':
                    memory[name] = torch.cuda.max_memory_allocated() / 2**20
    result = {k: statistics.median(v) for k, v in times.items()}
    result.update(
        batch=batch_size,
        height=h,
        width=w,
        ratio=result['runner'] / result['bare'],
        runner_images_per_s=batch_size / result['runner'],
        bare_images_per_s=batch_size / result['bare'])
    if device == 'cuda':
        result.update(
            runner_peak_mib=memory['runner'], bare_peak_mib=memory['bare'])
    else:
        result['peak_rss_mib'] = resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


@contextlib.contextmanager
def _on_device(device: str):
    """Build the runner's model on ``device`` (mmengine moves the model to
    CUDA when one is visible: hide it for ``--device cpu``)."""
    if device == 'cpu' and torch.cuda.is_available():
        original = torch.cuda.is_available
        torch.cuda.is_available = lambda: False
        try:
            yield
        finally:
            torch.cuda.is_available = original
    else:
        yield


def _autocast(device: str, amp: Optional[str]):
    if not amp:
        return contextlib.nullcontext
    dtype = torch.bfloat16 if amp == 'bf16' else torch.float16
    return lambda: torch.autocast(device, dtype=dtype)


def _start_training(runner: Runner):
    """Do what ``Runner.train`` does before its loop, return the loop."""
    loop = runner.train_loop  # builds it (and the dataloader)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner.param_schedulers = runner.build_param_scheduler(
        runner.param_schedulers)
    runner.optim_wrapper.initialize_count_status(runner.model, 0,
                                                 runner.max_iters)
    runner._init_model_weights()
    runner.call_hook('before_run')
    runner.call_hook('before_train')
    runner.call_hook('before_train_epoch')
    runner.model.train()
    return loop


def main(argv=None) -> None:
    args = parse_args(argv)
    r = run(args)
    amp = f', {args.amp} autocast' if args.amp else ''
    print(f'{args.config}: batch {r["batch"]} x {r["height"]}x{r["width"]} '
          f'on {args.device}{amp}, torch threads {torch.get_num_threads()}')
    for name in ('runner', 'bare'):
        print(f'  {name:<7}{r[name] * 1000:9.1f} ms/iter '
              f'{r[f"{name}_images_per_s"]:8.2f} images/s')
    print(f'  runner/bare {r["ratio"]:.3f}')
    if 'peak_rss_mib' in r:
        print(f'  peak RSS {r["peak_rss_mib"]:.0f} MiB (process)')
    else:
        print(f'  peak CUDA memory: runner {r["runner_peak_mib"]:.0f} MiB, '
              f'bare {r["bare_peak_mib"]:.0f} MiB')


if __name__ == '__main__':
    main()
