"""tools/dist_train.sh and tools/dist_test.sh hand their arguments to the
shared tools/dist_launch.sh: the command they run, checked with a stand-in
``python`` on PATH that prints its arguments (nothing is launched)."""
import os
import stat
import subprocess

import pytest

from depth.testing import REPO_ROOT

FAKE_PYTHON = '''#!/usr/bin/env bash
echo "PYTHONPATH=$PYTHONPATH"
for a in "$@"; do echo "[$a]"; done
exit 3
'''


def _launch(tmp_path, script, args, **env):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    python = bin_dir / 'python'
    python.write_text(FAKE_PYTHON)
    python.chmod(python.stat().st_mode | stat.S_IEXEC)
    e = {
        k: v
        for k, v in os.environ.items()
        if k not in ('NNODES', 'NODE_RANK', 'PORT', 'MASTER_ADDR')
    }
    e.update(env, PATH=f'{bin_dir}{os.pathsep}{os.environ["PATH"]}')
    e['PYTHONPATH'] = '/before'
    proc = subprocess.run(
        ['bash', script] + args,
        cwd=REPO_ROOT,
        env=e,
        capture_output=True,
        text=True,
        timeout=60)
    lines = proc.stdout.splitlines()
    return proc.returncode, lines[0], [a[1:-1] for a in lines[1:]]


def _torchrun(gpus, nnodes='1', node_rank='0', addr='127.0.0.1', port='29500'):
    return [
        '-m', 'torch.distributed.run', f'--nnodes={nnodes}',
        f'--node_rank={node_rank}', f'--master_addr={addr}',
        f'--nproc_per_node={gpus}', f'--master_port={port}'
    ]


def test_dist_train_runs_train_py(tmp_path):
    rc, path, args = _launch(tmp_path, 'tools/dist_train.sh',
                             ['cfg.py', '4', '--work-dir', 'a b', '--amp'])
    assert rc == 3  # the exit status of python
    assert path == 'PYTHONPATH=tools/..:/before'
    assert args == _torchrun('4') + [
        'tools/train.py', 'cfg.py', '--launcher', 'pytorch', '--work-dir',
        'a b', '--amp'
    ]


@pytest.mark.parametrize('extra', [[], ['--tta', '--out', 'x y']])
def test_dist_test_runs_test_py(tmp_path, extra):
    rc, path, args = _launch(
        tmp_path,
        'tools/dist_test.sh', ['cfg.py', 'ckpt.pth', '2'] + extra,
        NNODES='2',
        NODE_RANK='1',
        MASTER_ADDR='10.0.0.1',
        PORT='29533')
    assert rc == 3
    assert path == 'PYTHONPATH=tools/..:/before'
    assert args == _torchrun('2', '2', '1', '10.0.0.1', '29533') + [
        'tools/test.py', 'cfg.py', 'ckpt.pth', '--launcher', 'pytorch'
    ] + extra
