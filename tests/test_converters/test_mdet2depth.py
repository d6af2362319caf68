"""The original toolbox's DepthFormer checkpoints: key rules, the merging
permutation, safe reading, strict loading, and the command line."""
import argparse
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn

from depth.apis import init_model
from depth.converters import (KeyRule, apply_key_rules, check_strict_load,
                              load_release, unwrap_state_dict)
from depth.converters.mdet import (DEPTHFORMER_RULES, MDET_FAMILIES,
                                   convert_mdet_state_dict,
                                   guess_release_config)
from depth.models.backbones.swin_layers import (PatchMerging,
                                                relative_position_index)
from depth.testing import (REPO_ROOT, random_release_state, read_key_shapes,
                           run_tool)

ROOT = REPO_ROOT
KEYS_FILE = osp.join(
    osp.dirname(__file__), 'fixtures', 'mdet_depthformer_swint_nyu_keys.txt')
TINY_CONFIG = osp.join(ROOT, 'configs', 'depthformer',
                       'swint-tiny_synthetic.py')


def to_original_names(state):
    """Our DepthFormer state dict under the original toolbox's names and
    layouts (the inverse of the converter, written out independently)."""
    out = {}
    for key, val in state.items():
        k = key
        if k.startswith('backbone.layers.'):
            k = k.replace('backbone.layers.', 'backbone.stages.', 1)
            if '.downsample.' in k:
                # official (k * C + c) -> nn.Unfold (c * 4 + k)
                c4 = val.shape[-1] if val.dim() == 2 else val.shape[0]
                c = c4 // 4
                idx = torch.tensor([[0, 2, 1, 3][j] * c + ch for ch in range(c)
                                    for j in range(4)])
                val = val[:, idx] if val.dim() == 2 else val[idx]
            k = k.replace('.attn.', '.attn.w_msa.')
            k = k.replace('.mlp.fc1.', '.ffn.layers.0.0.')
            k = k.replace('.mlp.fc2.', '.ffn.layers.1.')
            if k.endswith('attn.w_msa.relative_position_bias_table'):
                n = int(round(val.shape[0]**0.5))
                ws = (n + 1) // 2
                out[k.replace('relative_position_bias_table',
                              'relative_position_index')] = \
                    relative_position_index(ws)
        k = k.replace('backbone.patch_embed.proj.',
                      'backbone.patch_embed.projection.')
        k = k.replace('neck.conv_proj.', 'neck.conv_proj.0.')
        k = k.replace('neck.conv_fusion.', 'neck.conv_fusion.0.')
        k = k.replace('neck.cross_attn.', 'neck.multi_att.')
        k = k.replace('.convs.0.', '.convA.').replace('.convs.1.', '.convB.')
        out[k] = val
    return out


def write_release(path, state, module_prefix=False):
    """An mmcv 1.x ``save_checkpoint`` file as the original toolbox wrote
    them: meta (with numpy scalars), state_dict, optimizer."""
    if module_prefix:
        state = {f'module.{k}': v for k, v in state.items()}
    meta = dict(
        mmcv_version='1.4.0',
        time='Thu Apr 14 10:00:00 2022',
        config='model = dict(...)',
        CLASSES=None,
        PALETTE=None,
        epoch=1,
        iter=38400,
        seed=np.int64(0),
        hook_msgs=dict(
            last_ckpt='work_dirs/iter_38400.pth',
            best_score=np.float64(0.0516),
            best_ckpt='work_dirs/best_abs_rel_iter_36000.pth'))
    optimizer = dict(
        state={0: dict(step=torch.tensor(3.), exp_avg=torch.zeros(2))},
        param_groups=[dict(lr=1e-4, betas=(0.9, 0.999), params=[0])])
    torch.save(dict(meta=meta, state_dict=state, optimizer=optimizer), path)


@pytest.fixture(scope='module')
def swint_nyu_model():
    return init_model(osp.join(ROOT, 'configs', 'depthformer', 'swint_nyu.py'))


def convert_key_list(model, keys_file, family, num_keys, num_dropped):
    """An original model's committed key list (random tensors) through the
    converter: its ``family`` detected, ``num_keys`` keys of which
    ``num_dropped`` dropped, the rest loading strictly into ``model``.

    Returns:
        tuple: The original state and the converted one.
    """
    orig = random_release_state(read_key_shapes(keys_file))
    assert len(orig) == num_keys
    log = []
    converted, fam = convert_mdet_state_dict(orig, source='t', log=log)
    assert fam.name == family
    assert sum(line.startswith('drop') for line in log) == num_dropped
    assert len(converted) == num_keys - num_dropped
    check_strict_load(model, converted, 't')
    return orig, converted


def test_real_original_layout_loads_strictly(swint_nyu_model):
    """The original Swin-T NYU model's own key list converts into
    configs/depthformer/swint_nyu.py with 0 missing and 0 unexpected."""
    # 324 keys; 12 relative_position_index buffers dropped, nothing else
    orig, _ = convert_key_list(swint_nyu_model, KEYS_FILE, 'depthformer', 324,
                               12)
    own = swint_nyu_model.state_dict()
    for k_orig, k_ours in [
        ('backbone.patch_embed.projection.weight',
         'backbone.patch_embed.proj.weight'),
        ('backbone.stages.2.blocks.5.attn.w_msa.qkv.weight',
         'backbone.layers.2.blocks.5.attn.qkv.weight'),
        ('backbone.stages.1.blocks.1.ffn.layers.0.0.bias',
         'backbone.layers.1.blocks.1.mlp.fc1.bias'),
        ('backbone.stages.3.blocks.0.ffn.layers.1.weight',
         'backbone.layers.3.blocks.0.mlp.fc2.weight'),
        ('neck.multi_att.value_proj.weight',
         'neck.cross_attn.value_proj.weight'),
        ('neck.self_attn.sampling_offsets.bias',
         'neck.self_attn.sampling_offsets.bias'),
        ('neck.conv_proj.0.bn.running_var', 'neck.conv_proj.bn.running_var'),
        ('neck.conv_fusion.0.conv.weight', 'neck.conv_fusion.conv.weight'),
        ('decode_head.conv_list.3.convB.conv.weight',
         'decode_head.conv_list.3.convs.1.conv.weight'),
        ('decode_head.conv_depth.bias', 'decode_head.conv_depth.bias'),
        ('backbone.bn1.running_mean', 'backbone.bn1.running_mean'),
    ]:
        assert torch.equal(own[k_ours], orig[k_orig]), k_orig


def test_inverse_layout_round_trip_swinl():
    """Swin-L KITTI: our state dict under the original names converts back
    exactly (every tensor, including the permuted merging)."""
    model = init_model(
        osp.join(ROOT, 'configs', 'depthformer', 'swinl_kitti.py'))
    ours = {
        k: torch.randn(v.shape) if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    converted, _ = convert_mdet_state_dict(to_original_names(ours))
    assert converted.keys() == ours.keys()
    for k, v in ours.items():
        assert torch.equal(converted[k], v), k
    check_strict_load(model, converted)


def test_merging_permutation_hand_made():
    """The original merges a 2x2 neighbourhood like nn.Unfold: feature
    ``c * 4 + (2 * row + col)``. Its weights, converted, give the same
    output in our PatchMerging (official order)."""
    c = 2
    x = torch.arange(1., 1 + 2 * 2 * c).view(1, 2, 2, c)  # (B, H, W, C)
    # nn.Unfold order, written out: channel-major, then kernel row, col
    unfold = torch.tensor([
        x[0, r, q, ch] for ch in range(c) for r in range(2) for q in range(2)
    ])
    assert unfold.tolist() == [1., 3., 5., 7., 2., 4., 6., 8.]
    w = torch.arange(3 * 4 * c, dtype=torch.float).view(3, 4 * c) / 10
    ln_w = torch.linspace(0.5, 2.0, 4 * c)
    ln_b = torch.linspace(-1.0, 1.0, 4 * c)
    normed = nn.functional.layer_norm(unfold, (4 * c, ), ln_w, ln_b)
    expected = w @ normed
    orig = {
        'backbone.stages.0.downsample.reduction.weight': w,
        'backbone.stages.0.downsample.norm.weight': ln_w,
        'backbone.stages.0.downsample.norm.bias': ln_b,
    }
    conv = apply_key_rules(orig, DEPTHFORMER_RULES)
    merge = PatchMerging(c, 3)
    merge.load_state_dict({
        k.replace('backbone.layers.0.downsample.', ''): v
        for k, v in conv.items()
    })
    with torch.no_grad():
        out = merge(x)[0, 0, 0]
    assert torch.allclose(out, expected, atol=1e-5)
    # official order k * C + c, k over (0,0), (1,0), (0,1), (1,1): the
    # unfold entries c * 4 + (2 * row + col) in that order
    assert conv['backbone.layers.0.downsample.reduction.weight'][0].tolist(
    ) == pytest.approx([0.0, 0.4, 0.2, 0.6, 0.1, 0.5, 0.3, 0.7])


def test_wrong_relative_position_index_is_refused():
    orig = random_release_state(read_key_shapes(KEYS_FILE))
    key = 'backbone.stages.0.blocks.1.attn.w_msa.relative_position_index'
    orig[key] = orig[key].flip(0)
    with pytest.raises(ValueError, match='blocks.1.attn.w_msa'):
        convert_mdet_state_dict(orig)


def test_unknown_family_and_strict_errors(swint_nyu_model):
    with pytest.raises(ValueError, match='no known model family'):
        convert_mdet_state_dict({'backbone.conv1.weight': torch.zeros(1)})
    with pytest.raises(KeyError, match='match no conversion rule'):
        apply_key_rules({'a': torch.zeros(1)}, [KeyRule('b', 'c')], 'x.pth')
    orig = random_release_state(read_key_shapes(KEYS_FILE))
    converted, _ = convert_mdet_state_dict(orig)
    del converted['neck.level_embed']
    converted['neck.extra'] = torch.zeros(1)
    converted['decode_head.conv_depth.bias'] = torch.zeros(2)
    with pytest.raises(RuntimeError) as e:
        check_strict_load(swint_nyu_model, converted, 'x.pth')
    msg = str(e.value)
    assert "1 missing: ['neck.level_embed']" in msg
    assert "1 unexpected: ['neck.extra']" in msg
    assert 'decode_head.conv_depth.bias: (2,) vs model (1,)' in msg


def test_load_release_is_safe(tmp_path):
    good = str(tmp_path / 'release.pth')
    write_release(good, {'w': torch.ones(2)}, module_prefix=True)
    before = set(torch.serialization.get_safe_globals())
    ckpt = load_release(good)
    # the process-wide allow-list of our own checkpoints is left intact
    assert set(torch.serialization.get_safe_globals()) == before
    assert np.dtype in before
    assert ckpt['meta']['hook_msgs']['best_score'] == pytest.approx(0.0516)
    state = unwrap_state_dict(ckpt, good)
    assert list(state) == ['w'] and torch.equal(state['w'], torch.ones(2))
    bad = str(tmp_path / 'bad.pth')
    torch.save(dict(meta=argparse.Namespace(a=1), state_dict={}), bad)
    with pytest.raises(ValueError, match='argparse.Namespace'):
        load_release(bad)
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(ValueError, match='empty'):
        load_release(str(empty))
    with pytest.raises(FileNotFoundError):
        load_release(str(tmp_path / 'missing.pth'))


def test_guess_release_config():
    fam = MDET_FAMILIES['depthformer']
    cases = {
        'depthformer_swinl_22k_w7_kitti.pth': 'swinl_kitti.py',
        'depthformer_swint_w7_nyu.pth': 'swint_nyu.py',
        'depthformer_swinl_22k_w7_nyu.pth': 'swinl_nyu.py',
        'depthformer_swinl_22k_w7_kitti_benchmark.pth':
        'swinl_kitti_benchmark.py',
        'depthformer_swinl_22k_w7_nyu2sunrgbd.pth': 'swinl_nyu2sunrgbd.py',
    }
    for name, config in cases.items():
        path = guess_release_config(fam, name)
        assert osp.basename(path) == config and osp.isfile(path), name
    assert guess_release_config(fam, 'model.pth') is None


def test_command_line_and_test_tool(tmp_path):
    """mdet2depth.py on a release file of the tiny config, then
    tools/test.py with and without --tta on the converted file."""
    model = init_model(TINY_CONFIG)
    ours = {
        k: torch.randn(v.shape) * 0.02 if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    src, dst = str(tmp_path / 'release.pth'), str(tmp_path / 'ours.pth')
    write_release(src, to_original_names(ours), module_prefix=True)
    env = dict(PYTHONPATH=ROOT, OMP_NUM_THREADS='1', PATH='/usr/bin:/bin')
    proc = run_tool(
        'tools/model_converters/mdet2depth.py',
        src,
        dst,
        '--config',
        TINY_CONFIG,
        timeout=300,
        **env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    assert saved['meta']['converted_from'] == 'release.pth'
    check_strict_load(model, saved['state_dict'])
    for k, v in ours.items():
        assert torch.equal(saved['state_dict'][k], v), k
    data_root = str(tmp_path / 'synthetic')
    opts = [
        f'test_dataloader.dataset.data_root={data_root}',
        'test_dataloader.dataset.num_val=2',
        'test_dataloader.dataset.img_size=(60,90)',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]
    for extra in ([], ['--tta']):
        proc = run_tool('tools/test.py', TINY_CONFIG, dst, '--work-dir',
                        str(tmp_path / 'work'), '--cfg-options', *opts, *extra,
                        **env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert 'abs_rel' in proc.stdout + proc.stderr
    # a checkpoint that does not fit is refused by test.py and init_model
    broken = dict(saved, state_dict=dict(saved['state_dict']))
    del broken['state_dict']['neck.level_embed']
    bad = str(tmp_path / 'broken.pth')
    torch.save(broken, bad)
    proc = run_tool('tools/test.py', TINY_CONFIG, bad, '--work-dir',
                    str(tmp_path / 'work'), '--cfg-options', *opts, **env)
    assert proc.returncode != 0
    assert 'missing keys in source state_dict: neck.level_embed' in \
        proc.stderr, proc.stderr[-2000:]
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    proc = run_tool('tools/test.py', TINY_CONFIG, str(empty), **env)
    assert proc.returncode != 0 and 'empty.pth is empty' in proc.stderr
    with pytest.raises(RuntimeError, match='neck.level_embed'):
        init_model(TINY_CONFIG, bad)
    init_model(TINY_CONFIG, bad, strict=False)  # the documented escape
    # no family recognised -> exit with a message naming the file
    write_release(src, {'foo.weight': torch.zeros(1)})
    proc = run_tool(
        'tools/model_converters/mdet2depth.py', src, dst, timeout=300, **env)
    assert proc.returncode != 0
    assert 'release.pth: no known model family' in proc.stderr
