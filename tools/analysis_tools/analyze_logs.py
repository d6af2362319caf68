"""Plot loss terms and metrics over iterations from mmengine json logs, and
report the training speed.

mmengine writes one JSON object per line to
``<work_dir>/<timestamp>/vis_data/<timestamp>.json`` (and the same lines to
``scalars.json`` next to it). Training lines carry ``iter``, ``step``,
``lr``, ``loss``, the loss terms (``decode.loss_sig``, ``aux_0.loss_sig``,
...), ``grad_norm``, ``time`` and ``data_time``; validation lines carry the
metrics (``abs_rel``, ``rmse``, ``d1``, ...) and ``step`` (the iteration
they were computed at) but no ``iter``. Every curve is plotted against
``step``. ``time`` and ``data_time`` occur in both kinds of line: a plain
key is looked up in the training lines first, ``val/KEY`` names the
validation one (``val/time``).

Examples:
    # loss and abs_rel of one run, one panel per key
    python tools/analysis_tools/analyze_logs.py plot_curve \\
        work_dirs/run/20240101_000000/vis_data/20240101_000000.json \\
        --keys loss abs_rel --out curves.png

    # two runs compared, with legends and a title
    python tools/analysis_tools/analyze_logs.py plot_curve a.json b.json \\
        --keys decode.loss_sig rmse d1 --legend swin-t swin-l \\
        --title "KITTI" --out compare.png

    # average, slowest and fastest seconds per iteration
    python tools/analysis_tools/analyze_logs.py cal_train_time a.json

``plot_curve`` without ``--out`` still writes a PNG, ``curves.png`` in the
current folder (the Agg backend draws no window). ``cal_train_time``
ignores the first logged training line (start-up: data workers, cudnn
autotuning) unless ``--include-outliers`` is given; with
``default_hooks.logger.interval=N`` each line's ``time`` is already the
mean over its N iterations, so slowest/fastest are those of the logged
lines.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt
import numpy as np

#: Keys that index a line rather than being plotted.
INDEX_KEYS = ('step', 'iter', 'epoch')
#: Prefix that selects a key of the validation lines.
VAL_PREFIX = 'val/'

Curves = Dict[str, Tuple[np.ndarray, np.ndarray]]


def load_json_log(path: str) -> Dict[str, Curves]:
    """Read one mmengine json log into curves.

    Args:
        path (str): The ``vis_data/<timestamp>.json`` or ``scalars.json``
            file of a run.

    Returns:
        dict: ``{'train': curves, 'val': curves}``, where ``curves`` maps
        every numeric key of those lines to ``(steps, values)``, two
        float64 arrays in file order. A line with ``iter`` is a training
        line, any other line a validation (or test) line. Lines without a
        ``step`` or ``iter`` and non-numeric values are skipped.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: A line is not a JSON object (file and line named), or
            the file has no line with a step.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'analyze_logs: log file {path} not found.')
    points: Dict[str, Dict[str, List[Tuple[float, float]]]] = dict(
        train={}, val={})
    num_lines = 0
    with open(path, encoding='utf-8') as f:
        for line_no, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'analyze_logs: {path} line {line_no} is '
                                 f'not JSON ({e.msg}); expected an mmengine '
                                 'vis_data json log.') from None
            if not isinstance(record, dict):
                raise ValueError(f'analyze_logs: {path} line {line_no} is not '
                                 'a JSON object.')
            step = record.get('step', record.get('iter'))
            if not isinstance(step, (int, float)):
                continue
            num_lines += 1
            mode = 'train' if 'iter' in record else 'val'
            for key, value in record.items():
                if key in INDEX_KEYS or isinstance(value, bool) or \
                        not isinstance(value, (int, float)):
                    continue
                points[mode].setdefault(key, []).append(
                    (float(step), float(value)))
    if num_lines == 0:
        raise ValueError(f'analyze_logs: {path} has no line with a "step" or '
                         '"iter"; is it an mmengine vis_data json log?')
    out: Dict[str, Curves] = {}
    for mode, keys in points.items():
        out[mode] = {
            key: (np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
            for key, pts in keys.items()
        }
    return out


def get_curve(log: Dict[str, Curves],
              key: str,
              path: str = '<log>') -> Tuple[np.ndarray, np.ndarray]:
    """The ``(steps, values)`` of ``key`` in a log from
    :func:`load_json_log`: a training key first, then a validation key;
    ``val/KEY`` forces the validation one.

    Raises:
        KeyError: The key is in neither, with the available keys listed.
    """
    if key.startswith(VAL_PREFIX):
        found = log['val'].get(key[len(VAL_PREFIX):])
    else:
        found = log['train'].get(key, log['val'].get(key))
    if found is None:
        available = sorted(log['train']) + sorted(
            VAL_PREFIX + k if k in log['train'] else k for k in log['val'])
        raise KeyError(f'analyze_logs: key {key!r} is not in {path}; '
                       f'available: {available}.')
    return found


def default_name(path: str) -> str:
    """Legend of a log without ``--legend``: the file's stem, or for
    ``scalars.json`` the run's timestamp folder (``.../20240101_000000/
    vis_data/scalars.json`` -> ``20240101_000000``)."""
    stem = osp.splitext(osp.basename(path))[0]
    if stem == 'scalars':
        parent = osp.dirname(osp.abspath(path))
        if osp.basename(parent) == 'vis_data':
            parent = osp.dirname(parent)
        stem = osp.basename(parent) or stem
    return stem


def plot_curve(logs: Sequence[Dict[str, Curves]],
               keys: Sequence[str],
               out: str,
               legend: Optional[Sequence[str]] = None,
               title: Optional[str] = None,
               paths: Optional[Sequence[str]] = None) -> str:
    """Plot ``keys`` of ``logs`` against the step, one panel per key and one
    line per log, and save a PNG.

    Args:
        logs (Sequence[dict]): Outputs of :func:`load_json_log`.
        keys (Sequence[str]): Keys to plot (see :func:`get_curve`).
        out (str): Output PNG path.
        legend (Sequence[str], optional): One name per log. Defaults to
            :func:`default_name` of ``paths``, else ``run0, run1, ...``.
        title (str, optional): Figure title. Defaults to None.
        paths (Sequence[str], optional): The logs' files, for messages.

    Returns:
        str: ``out``.
    """
    if not keys:
        raise ValueError('analyze_logs: --keys needs at least one key.')
    if legend is None:
        legend = ([default_name(p) for p in paths] if paths is not None else
                  [f'run{i}' for i in range(len(logs))])
    if len(legend) != len(logs):
        raise ValueError(f'analyze_logs: --legend has {len(legend)} names '
                         f'for {len(logs)} logs.')
    paths = list(paths) if paths is not None else ['<log>'] * len(logs)
    fig, axes = plt.subplots(
        len(keys), 1, figsize=(8, 3 * len(keys)), sharex=True, squeeze=False)
    for ax, key in zip(axes[:, 0], keys):
        for log, name, path in zip(logs, legend, paths):
            steps, values = get_curve(log, key, path)
            ax.plot(
                steps,
                values,
                marker='o' if len(steps) < 30 else None,
                label=name)
        ax.set_ylabel(key)
        ax.grid(True, alpha=0.3)
        ax.legend()
    axes[-1, 0].set_xlabel('iter')
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out_dir = osp.dirname(osp.abspath(out))
    if not osp.isdir(out_dir):
        raise FileNotFoundError(f'analyze_logs: --out folder {out_dir} does '
                                'not exist.')
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def train_time(log: Dict[str, Curves],
               include_outliers: bool = False,
               path: str = '<log>') -> Dict[str, float]:
    """Speed statistics of the training lines' ``time``.

    Args:
        log (dict): Output of :func:`load_json_log`.
        include_outliers (bool): Keep the first logged line. Defaults to
            False.
        path (str): The log file, for messages.

    Returns:
        dict: ``mean``, ``std`` (s/iter), ``slowest`` / ``fastest`` (s/iter)
        with ``slowest_iter`` / ``fastest_iter``, and ``num_lines``.
    """
    if 'time' not in log['train']:
        raise KeyError(f'analyze_logs: {path} has no training line with '
                       '"time".')
    steps, times = log['train']['time']
    if not include_outliers and len(times) > 1:
        steps, times = steps[1:], times[1:]
    slow, fast = int(np.argmax(times)), int(np.argmin(times))
    return dict(
        mean=float(times.mean()),
        std=float(times.std()),
        slowest=float(times[slow]),
        slowest_iter=int(steps[slow]),
        fastest=float(times[fast]),
        fastest_iter=int(steps[fast]),
        num_lines=len(times))


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Analyse mmengine json logs (vis_data/*.json)')
    sub = parser.add_subparsers(dest='task', required=True)
    plot = sub.add_parser('plot_curve', help='plot keys over iterations')
    plot.add_argument('json_logs', nargs='+', help='json log files')
    plot.add_argument(
        '--keys',
        nargs='+',
        default=['loss'],
        help='keys to plot, one panel each (val/KEY: the validation '
        'line\'s KEY, e.g. val/time)')
    plot.add_argument('--legend', nargs='+', help='one name per log')
    plot.add_argument('--title', help='figure title')
    plot.add_argument(
        '--out', default='curves.png', help='output PNG (curves.png)')
    speed = sub.add_parser(
        'cal_train_time', help='average / slowest / fastest s/iter')
    speed.add_argument('json_logs', nargs='+', help='json log files')
    speed.add_argument(
        '--include-outliers',
        action='store_true',
        help='keep the first logged line (start-up) in the statistics')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    try:
        logs = [load_json_log(p) for p in args.json_logs]
        if args.task == 'plot_curve':
            out = plot_curve(logs, args.keys, args.out, args.legend,
                             args.title, args.json_logs)
            print(f'saved {out}')
            return
        for path, log in zip(args.json_logs, logs):
            stats = train_time(log, args.include_outliers, path)
            print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}')
            print(f'slowest iter: {stats["slowest_iter"]}, '
                  f'{stats["slowest"]:.4f} s/iter')
            print(f'fastest iter: {stats["fastest_iter"]}, '
                  f'{stats["fastest"]:.4f} s/iter')
            print(f'average: {stats["mean"]:.4f} s/iter, std '
                  f'{stats["std"]:.4f} over {stats["num_lines"]} logged '
                  'lines')
    except (FileNotFoundError, KeyError, ValueError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise SystemExit(f'error: {msg}')


if __name__ == '__main__':
    main()
