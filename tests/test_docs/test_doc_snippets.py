"""Every fenced code block of README.md and docs/*.md works as written.

The blocks are found by :func:`doc_blocks` and each one needs an entry in
:data:`BLOCKS`, keyed by ``(file, block index)``; a block without an entry,
or an entry without its block, fails :func:`test_every_block_has_an_entry`,
so a new snippet cannot slip through untested. An entry says how the block
is checked:

* ``exec``: Python run as is, in a workspace folder (the repository's
  ``configs`` copied, ``tools`` linked) after the demo's tiny training run;
* ``config``: a config file, written where the doc says (inside the
  workspace's ``configs``), read with mmengine's ``Config`` and checked
  (models built with pretrained weights off);
* ``fragment``: a config delta, merged onto a named config and checked;
* ``doc_file``: a ``# file:`` block run by
  ``tests/test_apis/test_add_modules_doc.py``;
* ``bash``: shell commands. Those in :data:`RUNS` run as subprocesses in
  the workspace, as written plus tiny ``--cfg-options`` (on small synthetic
  data) and then their documented effects are checked; ``python -c`` runs
  in-process. Every other command is checked for what can be checked: the
  tool or script and the repository files it names exist, its options
  parse with the tool's own argparse parser, pip extras exist in
  ``setup.py``. A block with a command that does not run must give the
  reason (8 GPUs, real KITTI/NYU data, released checkpoints, downloads);
  a reason on a block whose commands all run is stale and fails;
* ``text``: not code (trees, formats), with the reason and, where the
  tree is one the toolbox writes or reads, a check of it.

One tiny training run of the demo config is shared by the whole module
(the subprocesses run two at a time). Module-level tests check the prose
that is not in code blocks but can drift: the tested-versions row of
get_started.md, config.md's schedule table, train_test.md's option
tables, the inline ``--cfg-options`` examples and every repository path
the docs name.

To add a snippet to a doc: add its ``(file, index)`` entry to
:data:`BLOCKS` (the indices of the file's later blocks shift by one);
to make a new command run, add it to :data:`RUNS`.
"""
import argparse
import contextlib
import copy
import functools
import glob
import importlib.util
import io
import json
import os
import os.path as osp
import re
import shlex
import shutil
import subprocess
import sys
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = 'configs/densedepth/mobilenetv2_synthetic.py'
DEMO_WORK_DIR = 'work_dirs/mobilenetv2_synthetic'
# the demo's last checkpoint, as the docs name it (1000 iterations)
DEMO_CKPT = DEMO_WORK_DIR + '/iter_1600.pth'
TINY_ITERS = 2
NUM_VAL = 3
TINY_HW = (64, 96)
# Files the docs tell the reader to write (so commands may name them).
WRITTEN = {
    'configs/my_project/tiny_synthetic.py', 'configs/densedepth/r50_kitti.py',
    'configs/densedepth/r50_custom.py'
}

# ----------------------------------------------------------------- blocks


class Block(NamedTuple):
    doc: str  # path relative to ROOT
    index: int  # 0-based among the file's fenced blocks
    lang: str
    code: str  # dedented
    line: int  # 1-based line of the opening fence


def doc_files() -> List[str]:
    docs = sorted(glob.glob(osp.join(ROOT, 'docs', '*.md')))
    return ['README.md'] + [osp.relpath(d, ROOT) for d in docs]


def parse_blocks(doc: str, text: str) -> List[Block]:
    """Fenced blocks, also inside list items (indented fences)."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r'^(\s*)```(\S*)\s*$', lines[i])
        if not m:
            i += 1
            continue
        indent, lang, start = len(m.group(1)), m.group(2), i
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != '```':
            body.append(lines[i][indent:] if lines[i][:indent].strip() ==
                        '' else lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f'{doc}:{start + 1}: unclosed code fence')
        blocks.append(
            Block(doc, len(blocks), lang, '\n'.join(body) + '\n', start + 1))
        i += 1
    return blocks


def doc_blocks() -> List[Block]:
    blocks = []
    for doc in doc_files():
        with open(osp.join(ROOT, doc), encoding='utf-8') as f:
            blocks += parse_blocks(doc, f.read())
    return blocks


class Spec(NamedTuple):
    kind: str  # exec | config | fragment | doc_file | bash | text
    starts: str  # the block's first line starts with this
    reason: Optional[str] = None  # why (part of) it does not run
    path: Optional[str] = None  # config: where the doc puts the file
    base: Optional[str] = None  # fragment: the config it is merged onto
    check: Optional[Callable] = None  # check(ws, block[, cfg])


# ------------------------------------------------------------- workspace


def tiny_data_options() -> List[str]:
    opts = []
    for split in ('train', 'val', 'test'):
        opts += [
            f'{split}_dataloader.dataset.num_train=8',
            f'{split}_dataloader.dataset.num_val={NUM_VAL}',
            f'{split}_dataloader.dataset.img_size=({TINY_HW[0]},'
            f'{TINY_HW[1]})',
            f'{split}_dataloader.num_workers=0',
            f'{split}_dataloader.persistent_workers=False',
        ]
    return opts


def tiny_train_options() -> List[str]:
    return tiny_data_options() + [
        f'train_cfg.max_iters={TINY_ITERS}', 'train_dataloader.batch_size=2',
        f'train_cfg.val_interval={TINY_ITERS}',
        f'default_hooks.checkpoint.interval={TINY_ITERS}',
        'default_hooks.logger.interval=1'
    ]


class Workspace:
    """A folder that looks like the repository root to the doc commands:
    ``configs`` copied (the docs write configs into it), ``tools``
    linked; ``data/`` and ``work_dirs/`` fill up as the commands run."""

    def __init__(self, path: str):
        self.path = path
        shutil.copytree(osp.join(ROOT, 'configs'), osp.join(path, 'configs'))
        os.symlink(osp.join(ROOT, 'tools'), osp.join(path, 'tools'))
        self.procs: Dict[str, tuple] = {}
        self.results: Dict[str, Optional[str]] = {}

    def join(self, *parts: str) -> str:
        return osp.join(self.path, *parts)

    def write(self, rel: str, text: str) -> str:
        path = self.join(rel)
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
        return path

    def start(self, run: 'Run') -> None:
        """Start a :data:`RUNS` command in the background: as written, plus
        tiny ``--cfg-options``."""
        if run.prepare is not None:
            run.prepare(self)
        env, tokens = split_env(run.tokens())
        env = {
            k:
            v.replace('$PYTHONPATH',
                      ROOT).replace('/path/to/parent/of/my_project',
                                    self.join('proj'))
            for k, v in env.items()
        }
        tokens = [run.subs.get(t, t) for t in tokens]
        if tokens[0] == 'python':
            tokens[0] = sys.executable
        tokens += ['--cfg-options'] + run.options()
        e = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
        e.update(env)
        log = open(self.join(f'{run.id}.out'), 'w+')
        proc = subprocess.Popen(
            tokens,
            cwd=self.path,
            env=e,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True)
        self.procs[run.id] = (proc, log, tokens)

    def start_ready(self) -> None:
        """Start every run whose prerequisites are done (two at a time at
        most: the machine may have 2 cores)."""
        for run in RUNS:
            running = [
                i for i, (p, _, _) in self.procs.items()
                if i not in self.results
            ]
            if len(running) >= 2:
                return
            if run.id not in self.procs and all(n in self.results
                                                for n in run.needs):
                self.start(run)

    def run(self, run_id: str) -> str:
        """The output of a :data:`RUNS` command (run once, with what it
        needs first), after its documented effects were checked."""
        run = RUN_BY_ID[run_id]
        for need in run.needs:
            self.run(need)
        if run_id not in self.results:
            self.start_ready()
            if run_id not in self.procs:
                self.start(run)
            proc, log, tokens = self.procs[run_id]
            proc.wait(timeout=600)
            log.seek(0)
            out = log.read()
            log.close()
            self.results[run_id] = out
            if proc.returncode != 0:
                self.results[run_id] = None
                raise AssertionError(
                    f'{shlex.join(tokens)} failed (in {self.path}):\n'
                    f'{out[-5000:]}')
            if run.after is not None:
                run.after(self, out)
            self.start_ready()
        if self.results[run_id] is None:
            raise AssertionError(f'{run_id} failed earlier')
        return self.results[run_id]

    def close(self) -> None:
        for proc, log, _ in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture(scope='module')
def ws(tmp_path_factory):
    workspace = Workspace(str(tmp_path_factory.mktemp('docs_ws')))
    yield workspace
    workspace.close()


@pytest.fixture
def in_ws(ws, monkeypatch):
    monkeypatch.chdir(ws.path)
    monkeypatch.syspath_prepend(ROOT)
    return ws


# ---------------------------------------------------------------- commands


def commands(code: str) -> List[List[str]]:
    """Shell commands of a block: continuations joined, comments dropped,
    ``&&`` chains split."""
    out = []
    for line in code.replace('\\\n', ' ').splitlines():
        tokens = shlex.split(line, comments=True)
        cmd = []
        for t in tokens + ['&&']:
            if t == '&&':
                if cmd:
                    out.append(cmd)
                cmd = []
            else:
                cmd.append(t)
    return out


def split_env(tokens: List[str]) -> Tuple[Dict[str, str], List[str]]:
    env = {}
    while tokens and re.match(r'^[A-Z_]+=', tokens[0]):
        key, value = tokens[0].split('=', 1)
        env[key] = value
        tokens = tokens[1:]
    return env, tokens


class Run(NamedTuple):
    """A doc command that runs as a subprocess in the workspace."""
    id: str
    command: str  # as in the doc (shlex-normalised)
    options: Callable[[], List[str]]  # tiny --cfg-options appended
    needs: Tuple[str, ...] = ()
    subs: Dict[str, str] = {}  # placeholder -> value
    prepare: Optional[Callable] = None
    after: Optional[Callable] = None  # after(ws, log): documented effects

    def tokens(self) -> List[str]:
        return shlex.split(self.command)


def after_train(ws, log):
    # README: "the log ends with abs_rel X vs constant-median baseline Y"
    assert re.search(r'abs_rel [\d.]+ vs constant-median baseline [\d.]+',
                     log), log[-2000:]
    # get_started / dataset_prepare: the demo renders data/synthetic_1k
    assert osp.isfile(ws.join('data/synthetic_1k/stats.json'))
    assert osp.isfile(ws.join('data/synthetic_1k/images/val/00000.png'))
    # config.md: the OneCycle ends at train_cfg.max_iters (here 2): the
    # last iteration runs at the final lr, eta_max / 25 / 100
    demo = Config.fromfile(osp.join(ROOT, DEMO))
    (onecycle, ) = demo.param_scheduler
    final = onecycle.eta_max / onecycle.div_factor / onecycle.final_div_factor
    (scalars, ) = glob.glob(
        ws.join(DEMO_WORK_DIR, '*', 'vis_data', 'scalars.json'))
    with open(scalars) as f:
        lrs = [json.loads(line)['lr'] for line in f if '"lr"' in line]
    assert len(lrs) == TINY_ITERS and np.isclose(lrs[-1], final), lrs
    work = ws.join(DEMO_WORK_DIR)
    for name in ('mobilenetv2_synthetic.py', f'iter_{TINY_ITERS}.pth',
                 f'best_abs_rel_iter_{TINY_ITERS}.pth', 'last_checkpoint'):
        assert osp.isfile(osp.join(work, name)), name
    # The docs name the demo's last checkpoint iter_1600.pth: the full
    # run's (checked in test_demo_writes_the_checkpoint_the_docs_name); the
    # tiny run's last one stands in for it.
    shutil.copy(osp.join(work, f'iter_{TINY_ITERS}.pth'), ws.join(DEMO_CKPT))


def after_show_dir(ws, log):
    # train_test.md: --show-dir DIR is relative to <work_dir>/<timestamp>/
    panels = glob.glob(ws.join(DEMO_WORK_DIR, '*', 'vis', '*.png'))
    assert len(panels) == NUM_VAL, panels
    assert not osp.exists(ws.join('vis'))
    panel = cv2.imread(panels[0])
    # image | GT | prediction side by side (plus titles and colour bars)
    assert panel.shape[0] >= TINY_HW[0] and panel.shape[1] >= 3 * TINY_HW[1]
    # named as the --out PNGs: the image path relative to the data root
    assert sorted(osp.basename(p) for p in panels) == [
        f'images_val_{i:05d}.png' for i in range(NUM_VAL)
    ]


def after_out(ws, log):
    # train_test.md: --out DIR is relative to the current directory; uint16
    # PNGs of round(depth x depth_scale), named after the image path
    preds = sorted(glob.glob(ws.join('preds', '*.png')))
    assert len(preds) == NUM_VAL, preds
    assert not glob.glob(ws.join(DEMO_WORK_DIR, '**', 'preds'), recursive=True)
    # named after the image path relative to the test set's data_root
    # (data/synthetic_1k/images/val/00000.png), as the --show-dir panels
    names = [osp.basename(p) for p in preds]
    assert names == [f'images_val_{i:05d}.png' for i in range(NUM_VAL)]
    pred = cv2.imread(preds[0], cv2.IMREAD_UNCHANGED)
    assert pred.dtype == np.uint16 and pred.shape == TINY_HW
    # depth_scale 1000 (mm), the demo's range (1e-3, 20] m
    assert 0 < pred.max() <= 20000


def prepare_custom_imports(ws):
    """Write add_modules.md's ``# file:`` blocks: the package under
    ``proj/`` (the doc's /path/to/parent/of/my_project), the config into
    the workspace's ``configs/my_project/``."""
    for rel, code in add_modules_doc().doc_files().items():
        if rel.startswith('configs/'):
            ws.write(rel, code)
        else:
            ws.write(osp.join('proj', rel), code)
    ws.write('proj/my_project/__init__.py', '')


def after_custom_imports(ws, log):
    assert 'decode.loss_berhu' in log, log[-2000:]
    assert osp.isfile(ws.join('work_dirs/tiny_synthetic', 'last_checkpoint'))


RUNS = [
    Run('train',
        f'python tools/train.py {DEMO}',
        tiny_train_options,
        after=after_train),
    Run('show_dir',
        f'python tools/test.py {DEMO} {DEMO_CKPT} --show-dir vis',
        tiny_data_options,
        needs=('train', ),
        after=after_show_dir),
    Run('out',
        'python tools/test.py CONFIG CHECKPOINT --out preds',
        tiny_data_options,
        needs=('train', ),
        subs=dict(CONFIG=DEMO, CHECKPOINT=DEMO_CKPT),
        after=after_out),
    Run('custom_imports',
        'PYTHONPATH=/path/to/parent/of/my_project:$PYTHONPATH '
        'python tools/train.py configs/my_project/tiny_synthetic.py',
        tiny_train_options,
        prepare=prepare_custom_imports,
        after=after_custom_imports),
]
RUN_BY_ID = {r.id: r for r in RUNS}
RUN_BY_COMMAND = {shlex.join(r.tokens()): r for r in RUNS}


@functools.lru_cache(maxsize=None)
def add_modules_doc():
    path = osp.join(ROOT, 'tests', 'test_apis', 'test_add_modules_doc.py')
    spec = importlib.util.spec_from_file_location('doc_add_modules_test', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _Captured(Exception):

    def __init__(self, parser):
        self.parser = parser


_PARSERS: Dict[str, argparse.ArgumentParser] = {}


def tool_parser(rel: str) -> argparse.ArgumentParser:
    """The argparse parser of ``tools/...py``: imported, and its
    ``parse_args`` (or ``main``) stopped at the first parse."""
    if rel not in _PARSERS:
        name = 'doc_tool_' + re.sub(r'\W', '_', rel)
        spec = importlib.util.spec_from_file_location(name,
                                                      osp.join(ROOT, rel))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)

        def grab(self, *args, **kwargs):
            raise _Captured(self)

        entry = getattr(mod, 'parse_args', None) or mod.main
        with mock.patch.object(argparse.ArgumentParser, 'parse_args', grab), \
                mock.patch.object(argparse.ArgumentParser,
                                  'parse_known_args', grab):
            try:
                entry()
            except _Captured as c:
                _PARSERS[rel] = c.parser
        assert rel in _PARSERS, f'{rel}: no argparse parser found'
    return _PARSERS[rel]


def parse_ok(rel: str, args: List[str], where: str):
    parser = tool_parser(rel)
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err):
            parser.parse_args(args)
    except SystemExit:
        raise AssertionError(f'{where}: `{rel} {shlex.join(args)}` does not '
                             f'parse: {err.getvalue()}')


def check_flags(rel: str, tokens: List[str], where: str):
    """A synopsis (``[--flag X]``): every flag exists."""
    known = tool_parser(rel)._option_string_actions
    for t in tokens:
        flag = t.strip('[]')
        if flag.startswith('--'):
            assert flag in known, f'{where}: {rel} has no option {flag}'


def check_repo_paths(tokens: List[str], where: str):
    for t in tokens:
        if re.match(r'^(configs|tools|tests|docs)(/|$)', t):
            assert t in WRITTEN or osp.exists(osp.join(ROOT, t)), \
                f'{where}: {t} does not exist in the repository'


def check_pip(tokens: List[str], where: str):
    with open(osp.join(ROOT, 'setup.py')) as f:
        setup = f.read()
    extras = re.search(r'extras_require=\{(.*?)\}', setup, re.S).group(1)
    for t in tokens[2:]:
        m = re.match(r'^\.(\[(.*)\])?$', t)
        if m:
            for extra in filter(None, (m.group(2) or '').split(',')):
                assert f"'{extra}'" in extras, \
                    f'{where}: setup.py has no extra {extra!r}'


# Launch scripts: script -> (the tool they run, their arguments before the
# tool's options, how those map to the tool's arguments)
SCRIPTS = {
    # CONFIG GPUS [train.py options]
    'tools/dist_train.sh': ('tools/train.py', 2, lambda a: a[:1]),
    # CONFIG CHECKPOINT GPUS [test.py options]
    'tools/dist_test.sh': ('tools/test.py', 3, lambda a: a[:2]),
    # PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py options]
    'tools/slurm_train.sh':
    ('tools/train.py', 4, lambda a: a[2:3] + ['--work-dir'] + a[3:4]),
}


def check_command(tokens: List[str], where: str) -> None:
    """The static checks of one command (it does not run)."""
    synopsis = any(t.startswith('[') for t in tokens)
    while synopsis and re.match(r'^\[[A-Z_]+=.*\]$', tokens[0]):
        tokens = tokens[1:]  # [GPUS=8]: optional environment
    tokens = split_env(tokens)[1]
    check_repo_paths(tokens, where)
    prog = tokens[0]
    if prog == 'python' and tokens[1] == '-m':
        assert tokens[2] == 'pytest', where
        for t in tokens[3:]:
            if not t.startswith('-'):
                assert osp.exists(osp.join(ROOT, t)), f'{where}: {t}'
    elif prog == 'python':
        tool = tokens[1]
        assert tool.startswith('tools/') and osp.isfile(osp.join(
            ROOT, tool)), f'{where}: no tool {tool}'
        if synopsis:
            check_flags(tool, tokens[2:], where)
        else:
            parse_ok(tool, tokens[2:], where)
    elif prog == 'bash':
        script = tokens[1]
        assert osp.isfile(osp.join(ROOT, script)), f'{where}: {script}'
        tool, lead, to_tool = SCRIPTS[script]
        if synopsis:
            check_flags(tool, tokens[2:], where)
        else:
            args = tokens[2:2 + lead]
            assert len(args) >= lead - 1, f'{where}: {script} arguments'
            if len(args) < lead:  # slurm_train.sh without WORK_DIR
                args = args + ['work_dirs/x']
            parse_ok(
                tool,
                to_tool(args) + tokens[2 + lead:] + ['--launcher', 'pytorch'],
                where)
    elif prog == 'pip':
        check_pip(tokens, where)
    elif prog in ('flake8', 'isort', 'yapf'):
        with open(osp.join(ROOT, '.ci', 'run')) as f:
            assert shlex.join(tokens) in f.read(), \
                f'{where}: `{shlex.join(tokens)}` is not what .ci/run runs'
    elif prog in ('git', 'cd', 'tensorboard', 'ls'):
        pass  # clone, change folder, view logs, list: nothing to check
    else:
        raise AssertionError(f'{where}: the harness does not know {prog!r};'
                             ' teach check_command')


def shell_variables(block: Block) -> Dict[str, str]:
    """``NAME=value`` lines of the doc's earlier shell blocks."""
    variables = {}
    for other in ALL_BLOCKS:
        if (other.doc == block.doc and other.index < block.index
                and other.lang in ('bash', 'shell')):
            for tokens in commands(other.code):
                env, rest = split_env(tokens)
                if not rest:
                    variables.update(env)
    return variables


def check_bash(ws, block: Block, spec: Spec):
    where = f'{block.doc} block {block.index} (line {block.line})'
    not_run = []
    variables = shell_variables(block)
    for tokens in commands(block.code):
        env, rest = split_env(tokens)
        if not rest:  # NAME=value: used by the doc's later blocks
            continue
        tokens = [
            re.sub(r'\$(\w+)', lambda m: variables.get(m.group(1), m.group(0)),
                   t) if not t.startswith('PYTHONPATH=') else t for t in tokens
        ]
        key = shlex.join(tokens)
        if tokens[:2] == ['python', '-c']:
            run_python_c(ws, tokens[2])
        elif key in RUN_BY_COMMAND:
            ws.run(RUN_BY_COMMAND[key].id)
            check_repo_paths(tokens, where)
        else:
            check_command(tokens, where)
            not_run.append(key)
    if not_run:
        assert spec.reason, (f'{where}: {not_run} do not run: run them '
                             '(RUNS) or give the block a reason')
    else:
        assert spec.reason is None, f'{where}: every command runs; stale ' \
            'reason'


def run_python_c(ws, code: str):
    cwd = os.getcwd()
    os.chdir(ws.path)
    try:
        with contextlib.redirect_stdout(io.StringIO()) as out:
            exec(compile(code, '<python -c>', 'exec'), {'__name__': 'doc'})
    finally:
        os.chdir(cwd)
    assert out.getvalue().strip()


# ------------------------------------------------------------ config tools


def load_config(ws, rel: str) -> Config:
    return Config.fromfile(ws.join(rel))


def build_model(cfg: Config):
    from depth.apis import pretrained_off
    from depth.registry import MODELS
    model_cfg = cfg.model.copy()
    pretrained_off(model_cfg)
    return MODELS.build(model_cfg)


def build_pipeline(pipeline):
    from mmengine.dataset import Compose
    return Compose(pipeline)


# ------------------------------------------------------------- the checks


def check_r50_kitti(ws, block, cfg):
    # the header: 4 GPUs x 4 = 16; 38,400 iterations; AdamW, OneCycle 1e-4
    assert cfg.num_gpus * cfg.train_dataloader.batch_size == 16
    assert cfg.auto_scale_lr.base_batch_size == 16
    assert cfg.train_cfg.max_iters == 38400
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    (onecycle, ) = cfg.param_scheduler
    assert onecycle.type == 'OneCycleLR' and onecycle.eta_max == 1e-4
    assert cfg.default_scope == 'depth'
    assert cfg.model.decode_head.max_depth == 80
    model = build_model(cfg)
    assert type(model.backbone).__name__ == 'TimmBackbone'
    assert model.decode_head.max_depth == 80


def runner_schedulers(cfg: Config) -> list:
    """The parameter schedulers as the Runner builds them: a scheduler
    without ``end`` ends at ``train_cfg.max_iters``
    (``Runner._build_param_scheduler``; the demo's training run checks it
    end to end, see :func:`after_train`)."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS
    optim = build_optim_wrapper(torch.nn.Linear(1, 1), cfg.optim_wrapper)
    out = []
    for sched in cfg.param_scheduler:
        sched = copy.deepcopy(sched)
        if not sched.get('by_epoch', True):
            sched.setdefault('end', cfg.train_cfg.max_iters)
        out.append(
            PARAM_SCHEDULERS.build(
                sched, default_args=dict(optimizer=optim, epoch_length=1)))
    return out


def check_shorter_schedule(ws, block, cfg):
    # the leaf spells out what depends on max_iters ...
    assert cfg.train_cfg.max_iters == 9600
    assert cfg.train_cfg.val_interval == 800
    assert cfg.default_hooks.checkpoint.interval == 800
    # ... and the whole OneCycle follows train_cfg.max_iters
    (onecycle, ) = runner_schedulers(cfg)
    assert type(onecycle).__name__ == 'OneCycleLR'
    assert (onecycle.begin, onecycle.end) == (0, 9600)
    assert onecycle.total_steps == 9600
    # setting the variable alone changes nothing (the trap)
    ws.write('configs/densedepth/r50_kitti_trap.py',
             "_base_ = ['./r50_kitti.py']\nmax_iters = 9600\n")
    trap = load_config(ws, 'configs/densedepth/r50_kitti_trap.py')
    assert trap.max_iters == 9600
    assert trap.train_cfg.max_iters == 38400
    assert runner_schedulers(trap)[0].total_steps == 38400


def check_cfg_options_example(ws, block):
    """config.md's --cfg-options example does what the text says."""
    from depth.utils.cfg_options import merge_cfg_options
    (tokens, ) = commands(block.code)
    opts = tool_parser('tools/train.py').parse_args(tokens[2:]).cfg_options
    cfg = Config.fromfile(osp.join(ROOT, 'configs/depthformer/swinl_kitti.py'))
    # `pipeline.5` is RandomCrop in the KITTI and NYU training pipelines
    for leaf in ('depthformer/swinl_kitti.py', 'depthformer/swinl_nyu.py'):
        other = Config.fromfile(osp.join(ROOT, 'configs', leaf))
        assert other.train_dataloader.dataset.pipeline[5].type == \
            'RandomCrop', leaf
    # `loss_decode.loss_weight`: a single dict, as here
    assert isinstance(cfg.model.decode_head.loss_decode, dict)
    # `max_iters=100` changes the variable only
    plain = cfg.copy()
    merge_cfg_options(plain, {'max_iters': 100})
    assert plain.train_cfg.max_iters == 38400
    merge_cfg_options(cfg, opts)
    assert cfg.train_cfg.max_iters == 1000
    assert cfg.train_dataloader.dataset.pipeline[5].crop_size == (352, 1216)
    assert cfg.model.decode_head.loss_decode.loss_weight == 10
    assert cfg.model.backbone.pretrained is None
    # the cosine decay ends with the loop; the warm-up keeps end=12800
    warmup, cosine = runner_schedulers(cfg)
    assert type(warmup).__name__ == 'LinearLR' and warmup.end == 12800
    assert type(cosine).__name__ == 'CosineAnnealingLR'
    assert (cosine.end, cosine.T_max) == (1000, 1000)
    merge_cfg_options(cfg, {'param_scheduler.0.end': 300})
    assert runner_schedulers(cfg)[0].end == 300


def check_eigen_crop(ws, block, cfg):
    assert cfg.crop_size == (352, 1216)
    from depth.registry import DATASETS
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        dataset = DATASETS.build(dict(loader.dataset, lazy_init=True))
        assert dataset.metainfo['crop_type'] == 'kitti_eigen'
        assert dataset.metainfo['max_depth_eval'] == 50
    assert cfg.model.decode_head.max_depth == 50
    crop = [
        t for t in cfg.train_dataloader.dataset.pipeline
        if t.type == 'RandomCrop'
    ]
    assert crop[0].crop_size == (352, 1216)
    # the transforms exist with these arguments, in the depth scope
    build_pipeline(cfg.train_dataloader.dataset.pipeline)
    from depth.registry import METRICS
    METRICS.build(cfg.val_evaluator)


def check_pretrained_path(ws, block, cfg):
    import inspect

    from depth.registry import MODELS
    assert cfg.model.backbone.pretrained == \
        'pretrain/swin_large_patch4_window7_224_22k.pth'
    backbone = MODELS.get(cfg.model.backbone.type)
    assert 'pretrained' in inspect.signature(backbone).parameters


def make_custom_data(root: str, scale: float, bands=(5., 50., 90.)):
    """A split-file tree as custom.py expects: rgb/, depth/, train.txt,
    val.txt; each depth map has three horizontal bands of ``bands``
    metres."""
    h, w = 48, 64
    lines = []
    for i, scene in enumerate(('scene_a', 'scene_b')):
        for j in range(2):
            name = f'{scene}/{j:04d}'
            img = np.full((h, w, 3), 40 * (i + j + 1), np.uint8)
            depth = np.zeros((h, w), np.float64)
            for k, band in enumerate(bands):
                depth[k * h // 3:(k + 1) * h // 3] = band
            for sub, arr in (('rgb', img),
                             ('depth',
                              np.round(depth * scale).astype(np.uint16))):
                path = osp.join(root, sub, name + '.png')
                os.makedirs(osp.dirname(path), exist_ok=True)
                cv2.imwrite(path, arr)
            lines.append(f'{name}.png {name}.png 500.0')
    for split, part in (('train', lines[:3]), ('val', lines[3:])):
        with open(osp.join(root, f'{split}.txt'), 'w') as f:
            f.write('\n'.join(part) + '\n')


def check_custom_leaf(ws, block, cfg):
    """dataset_prepare.md's leaf on _base_/datasets/custom.py: the data
    loads with the given scale, and the metric evaluates the given range
    (not a base's)."""
    from depth.registry import DATASETS, METRICS
    data = cfg.custom_data
    assert cfg.train_dataloader.dataset.type == 'CustomDepthDataset'
    root = ws.join(data.data_root)
    make_custom_data(root, data.depth_scale)
    cwd = os.getcwd()
    os.chdir(ws.path)  # data_root is relative, as in the doc
    try:
        train = DATASETS.build(cfg.train_dataloader.dataset)
        val = DATASETS.build(cfg.val_dataloader.dataset)
        test = DATASETS.build(cfg.test_dataloader.dataset)
        assert (len(train), len(val), len(test)) == (3, 1, 1)
        item = val[0]
        train[0]
    finally:
        os.chdir(cwd)
    sample = item['data_samples']
    gt = sample.gt_depth_map.data
    bands = sorted(set(gt.unique().tolist()) - {0.})
    assert np.allclose(bands, [5, 50, 90], atol=1 / data.depth_scale), bands
    # metric: prediction = GT + 1 m; abs_rel = mean(1 / gt) over the range
    sample.pred_depth_map = sample.gt_depth_map.clone()
    sample.pred_depth_map.data = gt + 1
    metric = METRICS.build(cfg.val_evaluator)
    metric.dataset_meta = val.metainfo
    metric.process({}, [sample.to_dict()])
    got = metric.compute_metrics(metric.results)['abs_rel']
    lo, hi = data.get('min_depth_eval', 1e-3), data.max_depth_eval
    inside = [b for b in (5., 50., 90.) if lo < b < hi]
    assert np.isclose(got, np.mean([1 / b for b in inside]), rtol=1e-4), \
        (got, inside)
    assert cfg.test_evaluator == cfg.val_evaluator
    assert cfg.model.decode_head.max_depth == data.max_depth_eval
    # inheriting the demo instead fails as the doc says
    ws.write(
        'configs/densedepth/demo_custom.py',
        "_base_ = ['./mobilenetv2_synthetic.py']\n"
        "train_dataloader = dict(dataset=dict(type='CustomDepthDataset', "
        "data_root='data/custom_dataset', ann_file='train.txt'))\n")
    demo = load_config(ws, 'configs/densedepth/demo_custom.py')
    with pytest.raises(TypeError, match='num_train'):
        DATASETS.build(demo.train_dataloader.dataset)


def check_visualizer(ws, block, cfg):
    pytest.importorskip('tensorboard')
    from depth.registry import VISUALIZERS
    vis_cfg = cfg.visualizer.copy()
    vis_cfg.update(name='doc_visualizer', save_dir=ws.join('vis_doc'))
    vis = VISUALIZERS.build(vis_cfg)
    names = [type(b).__name__ for b in vis._vis_backends.values()]
    assert names == ['LocalVisBackend', 'TensorboardVisBackend']


def check_warm_up(ws, block, cfg):
    model = build_model(cfg)
    loss = model.decode_head.loss_decode
    loss = loss[0] if isinstance(loss, torch.nn.ModuleList) else loss
    assert loss.warm_up and loss.warm_iter == 500


def check_config_tree(ws, block):
    for line in block.code.splitlines():
        m = re.search(r'(datasets|schedules|models)/\s+#\s*(.*)', line)
        if m:
            folder = osp.join(ROOT, 'configs', '_base_', m.group(1))
            for name in re.findall(r'[\w<>]+\.py', m.group(2)):
                if '<' not in name:
                    assert osp.isfile(osp.join(folder, name)), name
    assert osp.isfile(osp.join(ROOT, 'configs/_base_/default_runtime.py'))


def check_split_line(ws, block):
    """dataset_prepare.md's KITTI split line parses as described."""
    from depth.registry import DATASETS
    (line, ) = block.code.strip().splitlines()
    root = ws.join('kitti_line')
    os.makedirs(root, exist_ok=True)
    with open(osp.join(root, 'split.txt'), 'w') as f:
        f.write(line + '\n')
    dataset = DATASETS.build(
        dict(
            type='KITTIDataset',
            data_root=root,
            ann_file='split.txt',
            data_prefix=dict(img_path='input', depth_map_path='gt_depth'),
            pipeline=[]))
    info = dataset.get_data_info(0)
    img, dep, focal = line.split()
    assert info['img_path'] == osp.join(root, 'input', img)
    assert info['depth_map_path'] == osp.join(root, 'gt_depth', dep)
    assert info['focal'] == float(focal)
    assert np.isclose(np.asarray(info['cam_intrinsic'])[0, 0], 721.5377)


def check_custom_folders(ws, block):
    """The paired-folders tree pairs by relative path without extension;
    an unpaired file is an error naming it."""
    from depth.registry import DATASETS
    root = ws.join('custom_folders', 'train')
    for rel in ('rgb/0001.jpg', 'rgb/0002.jpg', 'rgb/scene_b/0001.png',
                'depth/0001.png', 'depth/0002.png', 'depth/scene_b/0001.png'):
        assert osp.basename(rel) in block.code
        os.makedirs(osp.dirname(osp.join(root, rel)), exist_ok=True)
        open(osp.join(root, rel), 'wb').close()
    dataset = DATASETS.build(
        dict(type='CustomDepthDataset', data_root=root, pipeline=[]))
    pairs = [(osp.relpath(dataset.get_data_info(i)['img_path'], root),
              osp.relpath(dataset.get_data_info(i)['depth_map_path'], root))
             for i in range(len(dataset))]
    assert sorted(pairs) == [('rgb/0001.jpg', 'depth/0001.png'),
                             ('rgb/0002.jpg', 'depth/0002.png'),
                             ('rgb/scene_b/0001.png', 'depth/scene_b/0001.png')
                             ]
    open(osp.join(root, 'rgb', '0003.jpg'), 'wb').close()
    with pytest.raises(ValueError, match='0003'):
        DATASETS.build(
            dict(type='CustomDepthDataset', data_root=root, pipeline=[]))


def check_custom_split_tree(ws, block):
    """The split-file tree of custom.py is what make_custom_data writes and
    what the base reads."""
    for name in ('rgb/', 'depth/', 'train.txt', 'val.txt'):
        assert name in block.code, name
    base = Config.fromfile(osp.join(ROOT, 'configs/_base_/datasets/custom.py'))
    assert base.custom_data.data_root == 'data/custom_dataset'
    assert base.custom_data.data_prefix == dict(
        img_path='rgb', depth_map_path='depth')
    assert base.train_dataloader.dataset.ann_file == 'train.txt'
    assert base.val_dataloader.dataset.ann_file == 'val.txt'


def check_synthetic_tree(ws, block):
    """The tree the synthetic dataset writes (the demo's tiny one)."""
    ws.run('train')
    root = ws.join('data/synthetic_1k')
    for rel in ('images/train/00000.png', 'images/val/00000.png',
                'depth/train/00000.png', 'depth/val/00000.png', 'train.txt',
                'val.txt', 'stats.json'):
        assert osp.isfile(osp.join(root, rel)), rel
    with open(osp.join(root, 'train.txt')) as f:
        img, dep, focal = f.readline().split()
    assert img == dep == 'train/00000.png'
    assert np.isclose(float(focal), 0.75 * TINY_HW[1])  # fx = 0.75 W
    d = cv2.imread(
        osp.join(root, 'depth/train/00000.png'), cv2.IMREAD_UNCHANGED)
    assert d.dtype == np.uint16  # mm


def check_work_dir_tree(ws, block):
    """train_test.md's work dir tree, on the demo's tiny run."""
    ws.run('train')
    work = ws.join(DEMO_WORK_DIR)
    assert osp.isfile(osp.join(work, 'mobilenetv2_synthetic.py'))
    assert glob.glob(osp.join(work, 'best_abs_rel_iter_*.pth'))
    assert osp.isfile(osp.join(work, 'last_checkpoint'))
    # the training run's folder (the test runs write their own)
    (run_dir, ) = [
        d for d in glob.glob(osp.join(work, '*'))
        if osp.isfile(osp.join(d, 'vis_data', 'scalars.json'))
    ]
    ts = osp.basename(run_dir)
    for rel in (f'{ts}.log', f'vis_data/{ts}.json', 'vis_data/scalars.json',
                'vis_data/config.py'):
        assert osp.isfile(osp.join(run_dir, rel)), rel
    for rel in ('swinl_nyu.py', 'best_abs_rel_iter_N.pth', 'last_checkpoint',
                'scalars.json', 'config.py', 'vis_image/'):
        assert rel in block.code


def exec_python(ws, block):
    ws.run('train')  # the snippets use the demo's checkpoint and data
    ns = {'__name__': '__doc__'}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.code, f'{block.doc}:{block.line}', 'exec'), ns)
    return ns


def check_inference(ws, block):
    ns = exec_python(ws, block)
    assert ns['img'] is not None, 'the image path does not exist'
    assert tuple(ns['depth_m'].shape) == ns['img'].shape[:2]
    assert float(ns['depth_m'].min()) > 0


def check_torch_load(ws, block):
    ns = exec_python(ws, block)
    assert 'median_train_depth' in ns['ckpt']['meta']['dataset_meta']


def inference_namespace(ws, block):
    """inference.md's Python blocks use the shell variables of its first
    block, the user's photos (``photo.jpg``, ``photos/``) and two
    images: made here from the demo's (tiny) validation image."""
    ws.run('train')
    img = cv2.imread(ws.join('data/synthetic_1k/images/val/00000.png'))
    img_a = cv2.resize(img, (640, 480))
    img_b = np.ascontiguousarray(img_a[:, ::-1])
    cv2.imwrite(ws.join('photo.jpg'), img_a)
    os.makedirs(ws.join('photos', 'sub'), exist_ok=True)
    cv2.imwrite(ws.join('photos', 'a.png'), img_a)
    cv2.imwrite(ws.join('photos', 'sub', 'b.png'), img_b)
    ns = {'__name__': '__doc__', 'img_a': img_a, 'img_b': img_b}
    ns.update(shell_variables(block))
    return ns


def inferencer_block(block):
    (first, ) = [
        b for b in ALL_BLOCKS if b.doc == block.doc and b.lang == 'python'
        and b.code.startswith('from depth.apis import DepthInferencer')
    ]
    return first


def check_inferencer(ws, block):
    ns = inference_namespace(ws, block)
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(block.code, f'{block.doc}:{block.line}', 'exec'), ns)
    depth = ns['depth']
    assert depth.shape == (480, 640) and depth.dtype == np.float32
    assert depth.min() > 0
    return ns


def check_point_cloud(ws, block):
    ns = check_inferencer(ws, inferencer_block(block))
    ns['image_rgb'] = np.ascontiguousarray(ns['img_a'][..., ::-1])
    exec(compile(block.code, f'{block.doc}:{block.line}', 'exec'), ns)
    points, colors = ns['points'], ns['colors']
    assert points.shape[1] == 3 and points.shape == colors.shape
    assert len(points) == 480 * 640  # every pixel has a depth
    assert osp.isfile(ws.join('cloud.ply'))


# ------------------------------------------------------------ the table

T_PREP = 'a data tree to prepare (external data)'
T_RELEASE = ('released checkpoints and KITTI/NYU data; the files and options '
             'are checked')
BLOCKS: Dict[Tuple[str, int], Spec] = {
    # ---- README.md
    ('README.md', 0):
    Spec(
        'bash', 'pip install -e . && python tools/train.py',
        'pip needs the network: the tests run in that install (the '
        'training runs)'),
    ('README.md', 1):
    Spec(
        'bash', 'python tools/infer.py configs/densedepth/',
        'needs the quick start\'s 1000-iteration checkpoint; tools/infer.py '
        'runs in tests/test_tools/test_infer_tool.py'),
    ('README.md', 2):
    Spec('bash', 'pip install -e ".[tests]"',
         'the whole suite, from within it; pip needs the network'),
    ('README.md', 3):
    Spec('bash', 'flake8 && isort',
         "CI's lint step: the same line is in .ci/run (checked)"),
    ('README.md', 4):
    Spec(
        'bash', '# one GPU / CPU',
        'KITTI data and Swin-L weights, 8 GPUs, AMP needs a GPU, a '
        'released checkpoint; the demo runs `--out preds`'),
    # ---- docs/add_modules.md
    **{
        ('docs/add_modules.md', i): Spec('doc_file', '# file: my_project/')
        for i in range(5)
    },
    ('docs/add_modules.md', 5):
    Spec('doc_file', '# file: configs/my_project/tiny_synthetic.py'),
    ('docs/add_modules.md', 6):
    Spec('bash', 'PYTHONPATH=/path/to/parent/of/my_project'),
    # ---- docs/config.md
    ('docs/config.md', 0):
    Spec('text', 'configs/', 'a tree of configs/', check=check_config_tree),
    ('docs/config.md', 1):
    Spec(
        'config',
        '# configs/densedepth/r50_kitti.py',
        path='configs/densedepth/r50_kitti.py',
        check=check_r50_kitti),
    ('docs/config.md', 2):
    Spec(
        'config',
        "_base_ = ['./r50_kitti.py']",
        path='configs/densedepth/r50_kitti_9600.py',
        check=check_shorter_schedule),
    ('docs/config.md', 3):
    Spec('bash', 'python -c "from mmengine.config import Config'),
    ('docs/config.md', 4):
    Spec(
        'bash',
        'python tools/train.py configs/depthformer/swinl_kitti.py',
        'KITTI data and a Swin-L; the options are parsed, merged into the '
        'config and checked',
        check=check_cfg_options_example),
    ('docs/config.md', 5):
    Spec(
        'config',
        "_base_ = ['./r50_kitti.py']",
        path='configs/densedepth/r50_kitti_eigen50.py',
        check=check_eigen_crop),
    ('docs/config.md', 6):
    Spec(
        'fragment',
        'model = dict(backbone=dict(pretrained=',
        base='configs/depthformer/swinl_kitti.py',
        check=check_pretrained_path),
    # ---- docs/dataset_prepare.md
    ('docs/dataset_prepare.md', 0):
    Spec('text', '<rgb path> <depth path | None> [<focal>]',
         'the split-file grammar; the KITTI line below is parsed'),
    ('docs/dataset_prepare.md', 1):
    Spec('text', 'data/kitti/', T_PREP),
    ('docs/dataset_prepare.md', 2):
    Spec(
        'text',
        '2011_09_26/2011_09_26_drive_0002_sync',
        'a split line',
        check=check_split_line),
    ('docs/dataset_prepare.md', 3):
    Spec('text', 'data/nyu/', T_PREP),
    ('docs/dataset_prepare.md', 4):
    Spec('text', 'data/sunrgbd/', T_PREP),
    ('docs/dataset_prepare.md', 5):
    Spec(
        'text',
        'data/custom_dataset/',
        'a tree of paired folders, built and read',
        check=check_custom_folders),
    ('docs/dataset_prepare.md', 6):
    Spec(
        'text',
        'data/custom_dataset/',
        "custom.py's split-file tree",
        check=check_custom_split_tree),
    ('docs/dataset_prepare.md', 7):
    Spec(
        'config',
        '# configs/densedepth/r50_custom.py',
        path='configs/densedepth/r50_custom.py',
        check=check_custom_leaf),
    ('docs/dataset_prepare.md', 8):
    Spec(
        'text',
        'data/synthetic/',
        'the tree the synthetic dataset renders (checked on the demo)',
        check=check_synthetic_tree),
    ('docs/dataset_prepare.md', 9):
    Spec(
        'bash', 'python tools/analysis_tools/benchmark_pipeline.py',
        'a benchmark (renders full-size KITTI frames and times them), not '
        'a check; its options are parsed'),
    # ---- docs/get_started.md
    ('docs/get_started.md', 0):
    Spec('bash', 'git clone', 'clone and pip need the network'),
    ('docs/get_started.md', 1):
    Spec('exec', 'import torch', check=check_torch_load),
    ('docs/get_started.md', 2):
    Spec(
        'bash', 'pip install -e . && python tools/train.py',
        'pip needs the network: the tests run in that install (the '
        'training runs)'),
    ('docs/get_started.md', 3):
    Spec('bash', 'python tools/test.py configs/densedepth/'),
    ('docs/get_started.md', 4):
    Spec('exec', 'import cv2', check=check_inference),
    # ---- docs/train_test.md
    ('docs/train_test.md', 0):
    Spec('bash', 'python tools/train.py CONFIG [--work-dir DIR]',
         'a synopsis: its options exist'),
    ('docs/train_test.md', 1):
    Spec('bash', 'python tools/train.py configs/densedepth/'),
    ('docs/train_test.md', 2):
    Spec('bash', 'bash tools/dist_train.sh CONFIG GPUS',
         'a synopsis and 8-GPU runs'),
    ('docs/train_test.md', 3):
    Spec('bash', '# machine 0', 'two machines with 8 GPUs'),
    ('docs/train_test.md', 4):
    Spec('bash', 'CUDA_VISIBLE_DEVICES=0,1,2,3', '8 GPUs'),
    ('docs/train_test.md', 5):
    Spec(
        'bash', 'bash tools/dist_train.sh configs/densedepth/',
        'two CPU processes: tests/test_tools/test_train_test_tools.py '
        '(test_dist_train_two_cpu_processes) runs it'),
    ('docs/train_test.md', 6):
    Spec('bash', '[GPUS=8]', 'needs a Slurm cluster'),
    ('docs/train_test.md', 7):
    Spec(
        'text',
        'work_dirs/swinl_nyu/',
        'the work dir tree (checked on the demo)',
        check=check_work_dir_tree),
    ('docs/train_test.md', 8):
    Spec('fragment', 'visualizer = dict(', base=DEMO, check=check_visualizer),
    ('docs/train_test.md', 9):
    Spec('bash', 'python tools/test.py CONFIG CHECKPOINT [--work-dir DIR]',
         'a synopsis: its options exist'),
    ('docs/train_test.md', 10):
    Spec('bash', '# NYU, flip-averaged',
         'NYU/KITTI data, trained or released checkpoints, 8 GPUs'),
    ('docs/train_test.md', 11):
    Spec(
        'fragment',
        'model = dict(decode_head=dict(',
        base=DEMO,
        check=check_warm_up),
    # ---- docs/model_zoo.md (released checkpoints)
    ('docs/model_zoo.md', 0):
    Spec('bash', '# the config is guessed', T_RELEASE),
    ('docs/model_zoo.md', 1):
    Spec('bash', '# the family (binsformer) is recognised', T_RELEASE),
    ('docs/model_zoo.md', 2):
    Spec('bash', 'python tools/model_converters/adabins2depth.py', T_RELEASE),
    ('docs/model_zoo.md', 3):
    Spec('bash', 'python tools/model_converters/depth_anything_v2_to_depth',
         T_RELEASE),
    # ---- docs/inference.md
    ('docs/inference.md', 0):
    Spec('bash', 'CONFIG=configs/densedepth/mobilenetv2_synthetic.py'),
    ('docs/inference.md', 1):
    Spec(
        'exec',
        'from depth.apis import DepthInferencer',
        check=check_inferencer),
    ('docs/inference.md', 2):
    Spec('bash', 'python tools/infer.py CONFIG CHECKPOINT INPUT',
         'a synopsis: its options exist'),
    ('docs/inference.md', 3):
    Spec(
        'bash', '# a folder with sub-folders and a video',
        'needs your photos, a KITTI drive; tools/infer.py is tested in '
        'tests/test_tools/test_infer_tool.py; the options are parsed'),
    ('docs/inference.md', 4):
    Spec('text', 'X = (u - cx) Z / fx', 'a formula'),
    ('docs/inference.md', 5):
    Spec(
        'exec', 'from depth.utils.point_cloud import',
        check=check_point_cloud),
    ('docs/inference.md', 6):
    Spec(
        'bash', 'pip install -e ".[deploy]"',
        'pip needs the network; ONNX export is tested in '
        'tests/test_tools/test_export_onnx.py; the options are parsed'),
    ('docs/inference.md', 7):
    Spec('text', 'abs_rel', 'a sample of a panel'),
    ('docs/inference.md', 8):
    Spec(
        'bash', 'python tools/test.py $CONFIG $CKPT --show-dir vis',
        "get_started.md's --show-dir run and README.md's --out run "
        'check the same names'),
}

ALL_BLOCKS = doc_blocks()


def block_id(block: Block) -> str:
    return f'{block.doc}-{block.index}'


def test_every_block_has_an_entry():
    found = {(b.doc, b.index): b for b in ALL_BLOCKS}
    missing = [
        f'{doc}:{found[(doc, i)].line} (block {i})'
        for doc, i in sorted(set(found) - set(BLOCKS))
    ]
    assert not missing, ('doc code blocks nobody runs or lists (add them to '
                         f'BLOCKS): {missing}')
    docs = {b.doc for b in ALL_BLOCKS}
    stale = [key for key in BLOCKS if key not in found and key[0] in docs]
    assert not stale, f'BLOCKS entries without a block: {stale}'


def test_docs_were_found():
    docs = {b.doc for b in ALL_BLOCKS}
    for doc in ('README.md', 'docs/get_started.md', 'docs/config.md',
                'docs/dataset_prepare.md', 'docs/train_test.md',
                'docs/add_modules.md'):
        assert doc in docs


@pytest.mark.parametrize('block', ALL_BLOCKS, ids=block_id)
def test_doc_block(block, in_ws):
    ws = in_ws
    spec = BLOCKS.get((block.doc, block.index))
    if spec is None:
        pytest.fail(f'{block.doc}:{block.line}: no BLOCKS entry')
    first = block.code.lstrip('\n').splitlines()[0].strip()
    assert first.startswith(spec.starts), (
        f'{block.doc} block {block.index} (line {block.line}) starts with '
        f'{first!r}, its entry expects {spec.starts!r}: blocks moved?')
    kind = spec.kind
    if kind == 'bash':
        assert block.lang in ('bash', 'shell'), block.lang
        check_bash(ws, block, spec)
        if spec.check:
            spec.check(ws, block)
    elif kind == 'exec':
        assert block.lang == 'python'
        if spec.check is None:  # listed: it compiles
            assert spec.reason
            compile(block.code, f'{block.doc}:{block.line}', 'exec')
        else:
            spec.check(ws, block)
    elif kind == 'config':
        assert block.lang == 'python'
        ws.write(spec.path, block.code)
        spec.check(ws, block, load_config(ws, spec.path))
    elif kind == 'fragment':
        assert block.lang == 'python'
        rel = f'configs/_doc_fragments/{block.doc[:-3]}_{block.index}.py'
        ws.write(rel, f'_base_ = [{ws.join(spec.base)!r}]\n' + block.code)
        spec.check(ws, block, load_config(ws, rel))
    elif kind == 'doc_file':
        assert block.lang == 'python'
        m = re.match(r'# file: (\S+)\n', block.code)
        assert m, block.code[:80]
        covered = add_modules_doc().doc_files()
        assert covered.get(m.group(1)) == block.code[m.end():], \
            'test_add_modules_doc.py does not run this block as it is'
    elif kind == 'text':
        assert block.lang == '', 'a code block needs a runnable kind'
        assert spec.reason
        if spec.check:
            spec.check(ws, block)
    else:
        raise AssertionError(kind)


def test_demo_writes_the_checkpoint_the_docs_name():
    """The docs' iter_1600.pth is the demo's last checkpoint."""
    cfg = Config.fromfile(osp.join(ROOT, DEMO))
    assert cfg.train_cfg.max_iters == 1600
    assert 1600 % cfg.default_hooks.checkpoint.interval == 0


def test_tested_versions_table_fits_setup_py():
    """get_started.md's "Tested versions" row names versions that setup.py
    allows (a fresh install on another day may resolve newer ones, so the
    row is not compared with the running environment: that would fail CI
    for a package update)."""
    import ast

    from packaging.requirements import Requirement
    from packaging.version import Version
    with open(osp.join(ROOT, 'docs', 'get_started.md')) as f:
        text = f.read()
    header = re.search(r'^\| Python \| torch .*$', text, re.M).group(0)
    row = text[text.index(header):].splitlines()[2]
    names = [c.strip() for c in header.strip('|').split('|')]
    values = [c.strip().split()[0] for c in row.strip('|').split('|')]
    with open(osp.join(ROOT, 'setup.py')) as f:
        tree = ast.parse(f.read())
    call = next(
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, 'id', '') == 'setup')
    kw = {k.arg: k.value for k in call.keywords}
    requires = {
        r.name: r
        for r in map(Requirement, ast.literal_eval(kw['install_requires']))
    }
    python = ast.literal_eval(kw['python_requires'])
    for name, value in zip(names, values):
        if name == 'Python':
            spec = Requirement(f'python{python}').specifier
        else:
            assert name in requires, f'{name} is not in install_requires'
            spec = requires[name].specifier
        assert Version(value) in spec, (
            f'get_started.md names {name} {value}, setup.py allows {spec}')


def test_schedule_table_is_the_schedule_bases():
    """config.md's schedule table: one row per schedule base, with its
    max_iters and val_interval."""
    with open(osp.join(ROOT, 'docs', 'config.md')) as f:
        text = f.read()
    rows = re.findall(r'^\| `(schedule_\w+\.py)` \| ([\d,]+) \| ([\d,]+)',
                      text, re.M)
    folder = osp.join(ROOT, 'configs', '_base_', 'schedules')
    assert sorted(r[0] for r in rows) == sorted(os.listdir(folder)), \
        'config.md: the schedule table lists other files than ' \
        'configs/_base_/schedules/'
    for name, max_iters, val_interval in rows:
        cfg = Config.fromfile(osp.join(folder, name))
        assert cfg.train_cfg.max_iters == int(max_iters.replace(',', ''))
        assert cfg.train_cfg.val_interval == int(val_interval.replace(',', ''))
        # "every main scheduler ends where the loop ends": the last LR
        # scheduler has no end of its own
        lr = [s for s in cfg.param_scheduler if 'Momentum' not in s.type]
        assert 'end' not in lr[-1] and 'total_steps' not in lr[-1], name


def test_option_tables_name_existing_options():
    """train_test.md's option tables: every `--option` exists in
    tools/train.py or tools/test.py."""
    known = set(tool_parser('tools/train.py')._option_string_actions) | set(
        tool_parser('tools/test.py')._option_string_actions)
    with open(osp.join(ROOT, 'docs', 'train_test.md')) as f:
        rows = [line for line in f if line.startswith('| `--')]
    flags = {
        flag
        for row in rows
        for flag in re.findall(r'`(--[a-z][\w-]*)',
                               row.split('|')[1])
    }
    assert len(flags) >= 10
    assert not flags - known, sorted(flags - known)


def test_inline_cfg_options_address_the_demo_config():
    """The docs' inline `--cfg-options ...` examples parse, and each key's
    parent exists in the demo config (a typo would create a new key)."""
    cfg = Config.fromfile(osp.join(ROOT, DEMO))
    parser = tool_parser('tools/train.py')
    found = 0
    for doc in doc_files():
        with open(osp.join(ROOT, doc), encoding='utf-8') as f:
            spans = re.findall(r'`--cfg-options ([^`]+)`', f.read())
        for span in spans:
            if re.search(r'\bK(EY)?=V', span):
                continue  # the syntax placeholder
            opts = parser.parse_args(['CONFIG', '--cfg-options'] +
                                     span.split()).cfg_options
            for key in opts:
                assert key.split('.')[0] in cfg, f'{doc}: {key}'
                node = cfg
                for part in key.split('.')[:-1]:
                    node = node[int(part)] if part.isdigit() else node[part]
                assert isinstance(node, (dict, Config)), f'{doc}: {key}'
                found += 1
    assert found >= 8


def test_repository_paths_in_the_docs_exist():
    """Every configs/, tools/, tests/ or depth/ file the docs name exists
    (or is one the docs tell the reader to write)."""
    pattern = re.compile(r'(?<![\w/.-])(?:\.\./)?((?:configs|tools|tests|'
                         r'depth)/[\w./-]*\w\.(?:py|sh|md))')
    missing = []
    for doc in doc_files():
        with open(osp.join(ROOT, doc), encoding='utf-8') as f:
            for path in pattern.findall(f.read()):
                if path not in WRITTEN and not osp.exists(
                        osp.join(ROOT, path)):
                    missing.append(f'{doc}: {path}')
    assert not missing, missing
