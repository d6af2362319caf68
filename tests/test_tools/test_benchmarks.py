"""Smoke tests of the training and inference benchmarks: they run on CPU
for a config of every model family at a small size (no timing asserted)."""
import glob
import os.path as osp

import pytest

from depth.testing import REPO_ROOT, load_script

ROOT = REPO_ROOT
TOOLS = osp.join(ROOT, 'tools', 'analysis_tools')
# the small synthetic config of every family
FAMILY_CONFIGS = sorted(
    glob.glob(osp.join(ROOT, 'configs', '*', '*synthetic*.py')))


def _tool(name):
    return load_script(osp.join(TOOLS, name + '.py'))


def test_every_family_has_a_small_config():
    families = {osp.basename(osp.dirname(p)) for p in FAMILY_CONFIGS}
    assert {'acan', 'adabins', 'densedepth', 'depthformer',
            'lacdepth'} <= families


@pytest.mark.parametrize(
    'config', FAMILY_CONFIGS, ids=lambda p: osp.basename(osp.dirname(p)))
def test_benchmark_train_runs(config):
    bench = _tool('benchmark_train')
    args = bench.parse_args([
        config, '--batch', '2', '--size', '64', '96', '--iters', '1',
        '--rounds', '1', '--warmup', '1'
    ])
    r = bench.run(args)
    assert (r['batch'], r['height'], r['width']) == (2, 64, 96)
    assert r['runner'] > 0 and r['bare'] > 0
    assert r['ratio'] == pytest.approx(r['runner'] / r['bare'])
    assert r['peak_rss_mib'] > 0


@pytest.mark.parametrize(
    'config', FAMILY_CONFIGS, ids=lambda p: osp.basename(osp.dirname(p)))
def test_benchmark_infer_runs(config):
    bench = _tool('benchmark_infer')
    args = bench.parse_args(
        [config, '--size', '64', '96', '--iters', '1', '--warmup', '0'])
    rows = bench.run(args)
    assert [(r['mode'], r['flip']) for r in rows] == [('whole', False),
                                                      ('whole', True),
                                                      ('slide', False),
                                                      ('slide', True)]
    assert all(r['latency_ms'] > 0 and r['images_per_s'] > 0 for r in rows)


def test_benchmark_infer_header_uses_cfg_options(capsys):
    """The header describes the config as --cfg-options changed it: the
    slide crop and stride given there, not the file's."""
    bench = _tool('benchmark_infer')
    config = osp.join(ROOT, 'configs', 'densedepth',
                      'mobilenetv2_synthetic.py')
    bench.main([
        config, '--size', '64', '96', '--iters', '1', '--warmup', '0',
        '--modes', 'whole', '--no-tta', '--cfg-options',
        'model.test_cfg.crop_size=(32,48)', 'model.test_cfg.stride=(16,24)'
    ])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f'{config}: 64x96 on cpu, torch threads ')
    assert out[0].endswith('; slide crop (32, 48) stride (16, 24)')
    assert out[2].split()[:2] == ['whole', 'False']
