"""The ``depth`` scope works from a fresh interpreter with nothing but
``init_default_scope('depth')``: the registries' ``locations`` import our
modules on first use, as a Runner built from a config relies on."""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

SCRIPT = textwrap.dedent('''
    import json
    import os
    import os.path as osp
    import sys

    import cv2
    import numpy as np
    from mmengine.registry import (DATASETS, HOOKS, METRICS, MODELS,
                                   TRANSFORMS, VISUALIZERS,
                                   init_default_scope)

    out = {}
    out['depth_imported_before'] = 'depth' in sys.modules
    init_default_scope('depth')

    def where(obj):
        cls = obj if isinstance(obj, type) else type(obj)
        return cls.__module__ + '.' + cls.__name__

    # a two-image folder dataset (rgb/*.png + uint16 depth/*.png, mm)
    root = sys.argv[1]
    for name in ('a', 'b'):
        os.makedirs(osp.join(root, 'rgb'), exist_ok=True)
        os.makedirs(osp.join(root, 'depth'), exist_ok=True)
        cv2.imwrite(osp.join(root, 'rgb', name + '.png'),
                    np.full((12, 16, 3), 100, np.uint8))
        cv2.imwrite(osp.join(root, 'depth', name + '.png'),
                    np.full((12, 16), 2500, np.uint16))

    out['loss'] = where(MODELS.build(dict(type='SigLoss')))
    dataset = DATASETS.build(dict(
        type='CustomDepthDataset', data_root=root, pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadDepthAnnotation'),
            dict(type='RandomFlip', prob=1.0),
            dict(type='PackDepthInputs')]))
    out['dataset'] = where(dataset)
    out['dataset_len'] = len(dataset)
    sample = dataset[0]['data_samples']
    out['gt_mean'] = float(sample.gt_depth_map.data.mean())
    out['flipped'] = bool(sample.flip)
    out['pipeline'] = [where(t) for t in dataset.pipeline.transforms]
    out['metric'] = where(METRICS.build(dict(type='DepthMetric')))
    out['visualizer'] = where(VISUALIZERS.build(
        dict(type='DepthLocalVisualizer', name='vis')))
    out['hook'] = where(HOOKS.build(dict(type='DepthVisualizationHook')))
    out['flip_built'] = where(TRANSFORMS.build(
        dict(type='RandomFlip', prob=0.5)))
    # How a name resolves under the default scope (what build uses).
    with TRANSFORMS.switch_scope_and_registry(None) as registry:
        out['flip_get'] = where(registry.get('RandomFlip'))
    out['mmseg_imported'] = 'mmseg' in sys.modules
    out['mmcv_ops_imported'] = 'mmcv.ops' in sys.modules
    print('RESULT ' + json.dumps(out))
''')


def test_depth_scope_builds_everything_from_a_fresh_process(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = subprocess.run(
        [sys.executable, '-c', SCRIPT,
         str(tmp_path / 'custom')],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith('RESULT ')]
    assert line, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(line[-1][len('RESULT '):])

    assert out['depth_imported_before'] is False
    assert out['loss'] == 'depth.models.losses.sig_loss.SigLoss'
    assert out['dataset'] == \
        'depth.datasets.custom_depth_dataset.CustomDepthDataset'
    assert out['dataset_len'] == 2
    assert abs(out['gt_mean'] - 2.5) < 1e-6  # 2500 mm
    assert out['flipped'] is True
    # mmcv's image loader (parent registry), depth's flip and packing
    assert out['pipeline'][0].startswith('mmcv.')
    assert all(p.startswith('depth.') for p in out['pipeline'][1:])
    assert out['metric'].startswith('depth.evaluation.')
    assert out['metric'].endswith('.DepthMetric')
    assert out['visualizer'].startswith('depth.visualization.')
    assert out['hook'] == ('depth.engine.hooks.depth_visualization_hook.'
                           'DepthVisualizationHook')
    # mmcv's RandomFlip ignores depth maps; the depth scope shadows it.
    assert out['flip_built'].startswith('depth.'), out['flip_built']
    assert out['flip_get'].startswith('depth.'), out['flip_get']
    assert out['mmseg_imported'] is False
    assert out['mmcv_ops_imported'] is False


def test_depth_registry_get_returns_depth_classes():
    from depth.registry import MODELS, TRANSFORMS
    flip = TRANSFORMS.get('RandomFlip')
    assert flip.__module__.startswith('depth.'), flip.__module__
    # mmcv's transform stays reachable by its scope
    assert TRANSFORMS.get('mmcv.RandomFlip').__module__.startswith('mmcv.')
    assert MODELS.get('SigLoss').__module__ == 'depth.models.losses.sig_loss'
    # a mmengine/mmcv model name falls back to the parent registry
    assert MODELS.get('Conv2d') is not None


def test_register_all_modules_sets_scope():
    from mmengine.registry import MODELS, DefaultScope

    from depth import register_all_modules
    DefaultScope._instance_dict.clear()
    register_all_modules()
    assert DefaultScope.get_current_instance().scope_name == 'depth'
    assert type(MODELS.build(dict(type='SigLoss'))).__module__ == \
        'depth.models.losses.sig_loss'


def test_utils_is_the_bottom_layer():
    """``depth.utils`` (imported by models and tools) imports nothing of
    the packages above it."""
    import subprocess
    import sys
    code = ('import sys, depth.utils, depth.utils.cfg_options, '
            'depth.utils.checkpoint, depth.utils.dist; '
            "print(sorted(m for m in sys.modules if m.startswith('depth.')))")
    out = subprocess.run([sys.executable, '-c', code],
                         capture_output=True,
                         text=True,
                         check=True).stdout
    above = ('depth.models', 'depth.datasets', 'depth.engine',
             'depth.evaluation', 'depth.visualization', 'depth.apis')
    assert not [m for m in eval(out) if m.startswith(above)], out
