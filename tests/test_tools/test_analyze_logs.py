"""tools/analysis_tools/analyze_logs.py on a generated mmengine json log
with known values: parsed curves, the PNG, train time, clear errors."""
import json
import os.path as osp

import numpy as np
import pytest

from depth.testing import load_script

al = load_script('tools/analysis_tools/analyze_logs.py', 'analyze_logs_tool')

# the format mmengine writes: training lines with iter and step, validation
# lines with the metrics and step only; time occurs in both
TRAIN = [
    dict(
        lr=1e-3 / i,
        data_time=0.01,
        loss=1.0 / i,
        **{'decode.loss_sig': 0.9 / i},
        time=t,
        iter=i,
        step=i) for i, t in zip(range(1, 5), (2.0, 0.3, 0.5, 0.1))
]
VAL = [
    dict(abs_rel=0.5, rmse=4.0, d1=0.3, data_time=0.001, time=0.04, step=2),
    dict(abs_rel=0.25, rmse=3.0, d1=0.6, data_time=0.001, time=0.05, step=4),
]


def _write_log(tmp_path, name='20240101_000000.json', lines=None):
    lines = lines or [TRAIN[0], TRAIN[1], VAL[0], TRAIN[2], TRAIN[3], VAL[1]]
    path = tmp_path / name
    path.write_text('\n'.join(json.dumps(line) for line in lines) + '\n\n')
    return str(path)


def test_load_json_log_separates_train_and_val_lines(tmp_path):
    log = al.load_json_log(_write_log(tmp_path))
    steps, loss = al.get_curve(log, 'loss')
    np.testing.assert_allclose(steps, [1, 2, 3, 4])
    np.testing.assert_allclose(loss, [1, 1 / 2, 1 / 3, 1 / 4])
    steps, sig = al.get_curve(log, 'decode.loss_sig')
    np.testing.assert_allclose(sig, [0.9, 0.45, 0.3, 0.225])
    steps, abs_rel = al.get_curve(log, 'abs_rel')
    np.testing.assert_allclose(steps, [2, 4])
    np.testing.assert_allclose(abs_rel, [0.5, 0.25])
    # 'time' is the training one; val/time the validation one
    np.testing.assert_allclose(al.get_curve(log, 'time')[1], [2, .3, .5, .1])
    np.testing.assert_allclose(al.get_curve(log, 'val/time')[1], [.04, .05])
    assert 'iter' not in log['train'] and 'step' not in log['val']


def test_unknown_key_lists_available_keys(tmp_path):
    log = al.load_json_log(_write_log(tmp_path))
    with pytest.raises(KeyError, match="'abs_rell'.*available.*abs_rel"):
        al.get_curve(log, 'abs_rell', 'x.json')


def test_plot_curve_writes_png_for_two_runs(tmp_path):
    a = _write_log(tmp_path, 'a.json')
    b = _write_log(tmp_path, 'b.json', TRAIN + VAL)
    out = str(tmp_path / 'fig.png')
    al.main([
        'plot_curve', a, b, '--keys', 'loss', 'abs_rel', '--legend', 'r1',
        'r2', '--title', 'test', '--out', out
    ])
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    assert osp.getsize(out) > 1000


def test_plot_curve_checks_legend_count(tmp_path):
    a = _write_log(tmp_path)
    with pytest.raises(SystemExit, match='2 names for 1 logs'):
        al.main([
            'plot_curve', a, '--keys', 'loss', '--legend', 'x', 'y', '--out',
            str(tmp_path / 'f.png')
        ])


def test_default_legend_names_the_run():
    assert al.default_name('w/20240101_000000/vis_data/scalars.json') == \
        '20240101_000000'
    assert al.default_name('w/x/vis_data/20240102_000000.json') == \
        '20240102_000000'


def test_train_time_skips_first_line(tmp_path, capsys):
    log = al.load_json_log(_write_log(tmp_path))
    stats = al.train_time(log)
    assert stats['num_lines'] == 3
    assert stats['mean'] == pytest.approx(0.3)
    assert (stats['slowest'], stats['slowest_iter']) == (0.5, 3)
    assert (stats['fastest'], stats['fastest_iter']) == (0.1, 4)
    assert al.train_time(log, include_outliers=True)['slowest'] == 2.0
    al.main(['cal_train_time', _write_log(tmp_path)])
    assert 'average: 0.3000 s/iter' in capsys.readouterr().out


def test_bad_log_errors_name_the_file(tmp_path):
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(TRAIN[0]) + '\n{not json\n')
    with pytest.raises(ValueError, match=r'bad.json line 2 is not JSON'):
        al.load_json_log(str(bad))
    with pytest.raises(SystemExit, match='missing.json not found'):
        al.main(['cal_train_time', str(tmp_path / 'missing.json')])
    empty = tmp_path / 'empty.json'
    empty.write_text('{"a": 1}\n')
    with pytest.raises(ValueError, match='no line with a "step"'):
        al.load_json_log(str(empty))
