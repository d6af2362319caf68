"""End-to-end smoke tests of tools/train.py and tools/test.py on a tiny
synthetic dataset: training, checkpointing, resume (weights_only loading),
flip TTA, panels, prediction PNGs, distributed training on CPU and clear
errors for bad configs."""
import glob
import os
import os.path as osp
import subprocess
import sys

import cv2
import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'densedepth', 'mobilenetv2_synthetic.py')


def tiny_options(data_root):
    opts = [
        f'train_dataloader.dataset.data_root={data_root}',
        f'val_dataloader.dataset.data_root={data_root}',
        f'test_dataloader.dataset.data_root={data_root}',
    ]
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.num_train=8',
            f'{split}_dataloader.dataset.num_val=3',
            f'{split}_dataloader.dataset.img_size=(64,96)',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    opts += [
        'train_dataloader.batch_size=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1'
    ]
    return opts


def run(args, env=None, check=True):
    e = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    e.update(env or {})
    proc = subprocess.run(
        [sys.executable] + args,
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-4000:]}\n'
                             f'{proc.stderr[-4000:]}')
    return proc


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Train 4 iterations (checkpoints at 2 and 4), then resume to 6."""
    tmp = tmp_path_factory.mktemp('smoke')
    data_root, work_dir = str(tmp / 'synthetic'), str(tmp / 'work')
    opts = tiny_options(data_root)
    run([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_iters=4'
    ] + opts)
    first = dict(
        iter4=osp.isfile(osp.join(work_dir, 'iter_4.pth')),
        best=glob.glob(osp.join(work_dir, 'best_abs_rel_iter_*.pth')))
    proc = run([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_iters=6'
    ] + opts)
    return dict(
        tmp=tmp,
        data_root=data_root,
        work_dir=work_dir,
        opts=opts,
        first=first,
        resume_log=proc.stdout + proc.stderr)


def test_train_writes_checkpoints_and_best(trained):
    assert trained['first']['iter4']
    assert trained['first']['best']


def test_resume_continues_from_checkpoint_with_weights_only(trained):
    log = trained['resume_log']
    assert 'resumed epoch: 0, iter: 4' in log
    assert 'Iter(train) [5/6]' in log
    ckpt = osp.join(trained['work_dir'], 'iter_6.pth')
    assert osp.isfile(ckpt)
    # The checkpoint holds nothing torch's safe loader would refuse once
    # depth's allow-list is registered: load it with weights_only=True.
    import depth  # noqa: F401
    state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert state['meta']['iter'] == 6
    assert 'optimizer' in state and 'param_schedulers' in state


def test_test_tool_tta_show_dir_and_out(trained):
    work_dir = trained['work_dir']
    ckpt = osp.join(work_dir, 'iter_6.pth')
    out_dir = str(trained['tmp'] / 'preds')
    proc = run([
        'tools/test.py', CONFIG, ckpt, '--tta', '--show-dir', 'panels',
        '--out', out_dir, '--work-dir', work_dir, '--cfg-options'
    ] + trained['opts'])
    log = proc.stdout + proc.stderr
    assert 'abs_rel' in log and 'constant-median baseline' in log
    panels = glob.glob(osp.join(work_dir, '*', 'panels', '*.png'))
    assert len(panels) == 3
    panel = cv2.imread(panels[0])
    assert panel.shape[:2] == (64, 3 * 96)
    preds = glob.glob(osp.join(out_dir, '*.png'))
    assert len(preds) == 3
    pred = cv2.imread(preds[0], cv2.IMREAD_UNCHANGED)
    assert pred.dtype.name == 'uint16' and pred.shape == (64, 96)


def test_dist_train_two_cpu_processes(trained, tmp_path):
    work_dir = str(tmp_path / 'dist')
    e = dict(os.environ, OMP_NUM_THREADS='1', PORT='29533')
    proc = subprocess.run(
        [
            'bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir', work_dir,
            '--cfg-options', 'train_cfg.max_iters=2'
        ] + trained['opts'],
        cwd=ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert 'Distributed training is not used' not in log
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))


@pytest.mark.parametrize('option,message', [
    ('model.decode_head.type=NoSuchHead', 'NoSuchHead'),
    ('model.decode_head.bogus_key=1', 'bogus_key'),
    ('trian_cfg.max_iters=2',
     "no top-level key 'trian_cfg'; did you mean ['train_cfg'"),
])
def test_bad_config_gives_clear_error(trained, tmp_path, option, message):
    proc = run(
        [
            'tools/train.py', CONFIG, '--work-dir',
            str(tmp_path), '--cfg-options', 'train_cfg.max_iters=1', option
        ] + trained['opts'],
        check=False)
    assert proc.returncode != 0
    assert message in proc.stderr


def test_diverging_run_stops_and_saves_no_checkpoint(trained, tmp_path):
    """An infinite loss weight: the first non-finite loss stops training
    (exit code != 0, the iteration and loss terms named) before any
    checkpoint is saved."""
    work_dir = str(tmp_path / 'nan')
    proc = run(
        [
            'tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
            'train_cfg.max_iters=6',
            'model.decode_head.loss_decode.loss_weight=inf'
        ] + trained['opts'],
        check=False)
    assert proc.returncode != 0
    assert 'Non-finite loss at iteration' in proc.stderr, proc.stderr[-3000:]
    assert 'decode.loss_sig=' in proc.stderr
    assert not glob.glob(osp.join(work_dir, '*.pth'))
