"""End-to-end smoke tests of tools/train.py and tools/test.py on a tiny
synthetic dataset: training, checkpointing, resume (weights_only loading),
flip TTA, panels, prediction PNGs, distributed training on CPU and clear
errors for bad configs."""
import glob
import os
import os.path as osp
import subprocess

import cv2
import pytest
import torch

from depth.testing import REPO_ROOT, run_tool

ROOT = REPO_ROOT
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
    e = dict(OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    e.update(env or {})
    proc = run_tool(*args, **e)
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
    # annotated: text strips above, colour bars and the error map beside
    assert panel.shape[0] > 64 and panel.shape[1] > 4 * 96
    preds = glob.glob(osp.join(out_dir, '*.png'))
    assert len(preds) == 3
    pred = cv2.imread(preds[0], cv2.IMREAD_UNCHANGED)
    assert pred.dtype.name == 'uint16' and pred.shape == (64, 96)
    # the panel and the prediction PNG of an image have one name
    assert sorted(map(osp.basename,
                      panels)) == sorted(map(osp.basename, preds))


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


# A driver that runs tools/train.py but dies (SIGKILL) right after the
# bytes of one chosen checkpoint file are written under their temporary
# name, before the rename: a kill in the middle of saving.
KILL_DRIVER = r'''
import os, runpy, signal, sys
import depth.engine.atomic_local_backend as backend
target = sys.argv.pop(1)
put = backend.AtomicLocalBackend.put
def killing_put(self, obj, filepath):
    if os.path.basename(str(filepath)).startswith(target):
        backend.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
    return put(self, obj, filepath)
backend.AtomicLocalBackend.put = killing_put
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
'''


def _load(path):
    import depth  # noqa: F401  (safe globals)
    return torch.load(path, map_location='cpu', weights_only=True)


def _set_best_score(ckpt, score):
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    state['message_hub']['runtime_info']['best_score'] = score
    torch.save(state, ckpt)


@pytest.fixture
def two_iters(trained, tmp_path):
    """A run of 2 iterations: iter_2.pth and its best checkpoint."""
    work_dir = str(tmp_path / 'work')
    run([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_iters=2'
    ] + trained['opts'])
    return work_dir


def _killed_resume(trained, work_dir, target, max_iters=4):
    driver = osp.join(work_dir, 'kill_driver.py')
    with open(driver, 'w') as f:
        f.write(KILL_DRIVER)
    proc = run(
        [
            driver, target, 'tools/train.py', CONFIG, '--work-dir', work_dir,
            '--resume', '--cfg-options', f'train_cfg.max_iters={max_iters}'
        ] + trained['opts'],
        check=False)
    assert proc.returncode == -9, proc.stderr[-3000:]  # SIGKILL
    return glob.glob(osp.join(work_dir, '.*.partial'))


def _last_checkpoint(work_dir):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return f.read().strip()


def test_kill_while_saving_best_keeps_previous_best(trained, two_iters):
    """mmengine deletes the previous best before writing the new one: a kill
    there left no best at all. Now the previous best stays until the new
    one is in place."""
    work_dir = two_iters
    best_2 = osp.join(work_dir, 'best_abs_rel_iter_2.pth')
    assert osp.isfile(best_2)
    # Any score beats +inf: the validation at iteration 4 saves a new best.
    _set_best_score(osp.join(work_dir, 'iter_2.pth'), float('inf'))
    partial = _killed_resume(trained, work_dir, 'best_abs_rel_iter_4')
    assert len(partial) == 1 and 'best_abs_rel_iter_4' in partial[0]
    assert not osp.exists(osp.join(work_dir, 'best_abs_rel_iter_4.pth'))
    assert _load(best_2)['meta']['iter'] == 2
    last = _last_checkpoint(work_dir)
    assert last.endswith('iter_4.pth')
    assert _load(last)['meta']['iter'] == 4
    # Resuming removes the partial file and goes on.
    proc = run([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
        '--cfg-options', 'train_cfg.max_iters=6'
    ] + trained['opts'])
    assert 'removed 1 partial checkpoint files' in proc.stdout + proc.stderr
    assert not glob.glob(osp.join(work_dir, '.*.partial'))
    assert _load(osp.join(work_dir, 'iter_6.pth'))['meta']['iter'] == 6


def test_kill_while_saving_regular_checkpoint_keeps_last(trained, two_iters):
    work_dir = two_iters
    partial = _killed_resume(trained, work_dir, 'iter_4.pth')
    assert len(partial) == 1
    assert not osp.exists(osp.join(work_dir, 'iter_4.pth'))
    last = _last_checkpoint(work_dir)
    assert last.endswith('iter_2.pth') and _load(last)['meta']['iter'] == 2
    assert osp.isfile(osp.join(work_dir, 'best_abs_rel_iter_2.pth'))


def test_outdated_checkpoints_removed_after_the_new_one(trained, tmp_path):
    work_dir = str(tmp_path / 'keep')
    run([
        'tools/train.py', CONFIG, '--work-dir', work_dir, '--cfg-options',
        'train_cfg.max_iters=6', 'default_hooks.checkpoint.max_keep_ckpts=1'
    ] + trained['opts'])
    regular = sorted(
        osp.basename(p) for p in glob.glob(osp.join(work_dir, 'iter_*.pth')))
    assert regular == ['iter_6.pth']
    assert len(glob.glob(osp.join(work_dir, 'best_abs_rel_iter_*.pth'))) == 1


def test_resume_past_max_iters_is_an_error(trained):
    proc = run(
        [
            'tools/train.py', CONFIG, '--work-dir', trained['work_dir'],
            '--resume', '--cfg-options', 'train_cfg.max_iters=3'
        ] + trained['opts'],
        check=False)
    assert proc.returncode != 0
    assert 'not below train_cfg.max_iters=3' in proc.stderr, \
        proc.stderr[-2000:]


def test_load_from_another_model_is_an_error_unless_non_strict(
        trained, tmp_path):
    ckpt = osp.join(trained['work_dir'], 'iter_6.pth')
    opts = [
        '--work-dir',
        str(tmp_path), '--cfg-options', 'train_cfg.max_iters=1',
        f'load_from={ckpt}', 'model.decode_head.channels=16',
        'model.decode_head.up_sample_channels=[16,32,48,96,320]'
    ] + trained['opts']
    proc = run(['tools/train.py', CONFIG] + opts, check=False)
    assert proc.returncode != 0
    assert 'does not fit the model' in proc.stderr
    assert 'shape mismatch' in proc.stderr and '--non-strict' in proc.stderr
    run(['tools/train.py', CONFIG, '--non-strict'] + opts)
    assert osp.isfile(osp.join(str(tmp_path), 'iter_1.pth'))


def test_training_set_without_valid_depth_stops_before_training(
        trained, tmp_path):
    import shutil

    import numpy as np
    data_root = str(tmp_path / 'empty_depth')
    shutil.copytree(trained['data_root'], data_root)
    for png in glob.glob(osp.join(data_root, 'depth', 'train', '*.png')):
        cv2.imwrite(png, np.zeros((64, 96), np.uint16))
    opts = [
        o.replace(trained['data_root'], data_root) for o in trained['opts']
    ]
    proc = run(
        [
            'tools/train.py', CONFIG, '--work-dir',
            str(tmp_path / 'w'), '--cfg-options', 'train_cfg.max_iters=2'
        ] + opts,
        check=False)
    assert proc.returncode != 0
    assert 'No valid depth in the training set' in proc.stderr, \
        proc.stderr[-2000:]
    assert 'depth/train/' in proc.stderr
    assert not glob.glob(osp.join(str(tmp_path / 'w'), '*.pth'))


def test_truncated_checkpoint_is_a_named_error(trained, tmp_path):
    """A checkpoint cut short (an interrupted copy) names the file in
    tools/test.py and as load_from in tools/train.py."""
    src = osp.join(trained['work_dir'], 'iter_6.pth')
    bad = str(tmp_path / 'truncated.pth')
    with open(src, 'rb') as f, open(bad, 'wb') as g:
        g.write(f.read()[:osp.getsize(src) // 2])
    proc = run(
        [
            'tools/test.py', CONFIG, bad, '--work-dir',
            str(tmp_path), '--cfg-options'
        ] + trained['opts'],
        check=False)
    assert proc.returncode != 0
    assert f'cannot load checkpoint {bad}' in proc.stderr, proc.stderr[-2000:]
    proc = run(
        [
            'tools/train.py', CONFIG, '--work-dir',
            str(tmp_path / 'w'), '--non-strict', '--cfg-options',
            'train_cfg.max_iters=1', f'load_from={bad}'
        ] + trained['opts'],
        check=False)
    assert proc.returncode != 0
    assert f'checkpoint {bad} cannot be read' in proc.stderr, \
        proc.stderr[-2000:]


def test_test_tool_refuses_a_checkpoint_of_another_model(trained, tmp_path):
    ckpt = osp.join(trained['work_dir'], 'iter_6.pth')
    opts = [
        '--work-dir',
        str(tmp_path), '--cfg-options', 'model.decode_head.channels=16',
        'model.decode_head.up_sample_channels=[16,32,48,96,320]'
    ] + trained['opts']
    proc = run(['tools/test.py', CONFIG, ckpt] + opts, check=False)
    assert proc.returncode != 0
    assert f'cannot load checkpoint {ckpt}' in proc.stderr
    assert 'size mismatch' in proc.stderr, proc.stderr[-2000:]
    assert 'constant-median baseline' not in proc.stdout + proc.stderr
    proc = run(['tools/test.py', CONFIG, ckpt, '--non-strict'] + opts)
    assert 'constant-median baseline' in proc.stdout + proc.stderr
