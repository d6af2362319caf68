"""The original toolbox's BinsFormer checkpoints: key rules (on the original
Swin-T NYU key list), the old decoder layout, detection, release names."""
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from depth.converters import check_strict_load
from depth.converters.mdet import (MDET_FAMILIES, convert_mdet_state_dict,
                                   guess_release_config)
from depth.registry import MODELS
from depth.testing import (REPO_ROOT, random_release_state, read_key_shapes,
                           run_tool)

ROOT = REPO_ROOT
KEYS_FILE = osp.join(
    osp.dirname(__file__), 'fixtures', 'mdet_binsformer_swint_nyu_keys.txt')


@pytest.fixture(scope='module')
def swint_nyu_model():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'binsformer', 'swint_nyu.py'))
    init_default_scope('depth')
    return MODELS.build(cfg.model)


def test_real_original_layout_loads_strictly(swint_nyu_model):
    # the DepthFormer converter test's check (tests/ is on the path)
    from test_mdet2depth import convert_key_list

    # 527 keys; dropped: 12 relative_position_index, conv_depth (2),
    # reference_points (2), post_norm (2)
    orig, converted = convert_key_list(swint_nyu_model, KEYS_FILE,
                                       'binsformer', 527, 18)
    pairs = [
        ('decode_head.query_embed.weight', 'decode_head.query_content.weight'),
        ('decode_head.query_feat.weight', 'decode_head.query_pos.weight'),
        ('decode_head.transformer_encoder.level_embeds',
         'decode_head.encoder.level_embeds'),
        ('decode_head.transformer_encoder.encoder.layers.5.attentions.0.'
         'sampling_offsets.bias',
         'decode_head.encoder.layers.5.self_attn.sampling_offsets.bias'),
        ('decode_head.transformer_encoder.encoder.layers.0.ffns.0.layers.0.0.'
         'weight', 'decode_head.encoder.layers.0.ffn.fc1.weight'),
        ('decode_head.transformer_encoder.encoder.layers.2.norms.1.bias',
         'decode_head.encoder.layers.2.norm2.bias'),
        ('decode_head.transformer_decoder.layers.8.attentions.0.attn.'
         'in_proj_weight', 'decode_head.decoder.layers.8.cross_attn.'
         'in_proj_weight'),
        ('decode_head.transformer_decoder.layers.3.attentions.1.attn.'
         'out_proj.bias', 'decode_head.decoder.layers.3.self_attn.'
         'out_proj.bias'),
        ('decode_head.transformer_decoder.layers.1.ffns.0.layers.1.weight',
         'decode_head.decoder.layers.1.fc2.weight'),
        ('decode_head.transformer_decoder.layers.4.norms.2.weight',
         'decode_head.decoder.layers.4.norm3.weight'),
        ('decode_head.transformer_decoder.class_embed.layers.2.bias',
         'decode_head.decoder.class_embed.layers.2.bias'),
        ('decode_head.lateral_convs.2.bn.running_var',
         'decode_head.lateral_convs.2.bn.running_var'),
        ('backbone.stages.2.blocks.5.attn.w_msa.qkv.weight',
         'backbone.layers.2.blocks.5.attn.qkv.weight'),
    ]
    for k_orig, k_ours in pairs:
        assert torch.equal(converted[k_ours], orig[k_orig]), k_orig
    # the FPN's lateral convolutions keep the original's top-down order
    assert converted['decode_head.lateral_convs.0.conv.weight'].shape[1] == \
        384


def test_old_decoder_layout():
    """Releases with ``transformer_decoder.decoder.`` (which the original's
    tools/model_converters/binsformer.py strips) convert the same."""
    orig = random_release_state(read_key_shapes(KEYS_FILE))
    prefix = 'decode_head.transformer_decoder.'
    old = {k.replace(prefix, prefix + 'decoder.'): v for k, v in orig.items()}
    new_conv, _ = convert_mdet_state_dict(orig)
    old_conv, fam = convert_mdet_state_dict(old)
    assert fam.name == 'binsformer'
    assert old_conv.keys() == new_conv.keys()


def test_families_are_told_apart():
    orig = random_release_state(read_key_shapes(KEYS_FILE))
    assert convert_mdet_state_dict(orig)[1].name == 'binsformer'
    with pytest.raises(ValueError, match='no known model family'):
        convert_mdet_state_dict({
            k: v
            for k, v in orig.items() if not k.startswith('backbone.')
        })


def test_guess_release_config():
    fam = MDET_FAMILIES['binsformer']
    for name, config in {
            'binsformer_swint_w7_nyu.pth': 'swint_nyu.py',
            'binsformer_swinl_22k_w7_nyu.pth': 'swinl_nyu.py',
            'binsformer_swinl_22k_w7_kitti.pth': 'swinl_kitti.py',
    }.items():
        path = guess_release_config(fam, name)
        assert path.endswith(osp.join('binsformer', config)), name
        assert osp.isfile(path)


def to_original_binsformer(state):
    """Our BinsFormer state dict under the original toolbox's names (the
    inverse of the converter, written out independently), with the tensors
    the original has but never uses."""
    rules = [
        (r'backbone\.patch_embed\.proj\.', 'backbone.patch_embed.projection.'),
        (r'decode_head\.encoder\.level_embeds',
         'decode_head.transformer_encoder.level_embeds'),
        (r'decode_head\.encoder\.layers\.(\d+)\.self_attn\.',
         r'decode_head.transformer_encoder.encoder.layers.\1.attentions.0.'),
        (r'decode_head\.encoder\.layers\.(\d+)\.ffn\.fc1\.',
         r'decode_head.transformer_encoder.encoder.layers.\1.ffns.0.layers.'
         r'0.0.'),
        (r'decode_head\.encoder\.layers\.(\d+)\.ffn\.fc2\.',
         r'decode_head.transformer_encoder.encoder.layers.\1.ffns.0.layers.1.'
         ),
        (r'decode_head\.encoder\.layers\.(\d+)\.norm(\d)\.',
         lambda m: 'decode_head.transformer_encoder.encoder.layers.'
         f'{m[1]}.norms.{int(m[2]) - 1}.'),
        (r'decode_head\.decoder\.layers\.(\d+)\.cross_attn\.',
         r'decode_head.transformer_decoder.layers.\1.attentions.0.attn.'),
        (r'decode_head\.decoder\.layers\.(\d+)\.self_attn\.',
         r'decode_head.transformer_decoder.layers.\1.attentions.1.attn.'),
        (r'decode_head\.decoder\.layers\.(\d+)\.fc1\.',
         r'decode_head.transformer_decoder.layers.\1.ffns.0.layers.0.0.'),
        (r'decode_head\.decoder\.layers\.(\d+)\.fc2\.',
         r'decode_head.transformer_decoder.layers.\1.ffns.0.layers.1.'),
        (r'decode_head\.decoder\.layers\.(\d+)\.norm(\d)\.',
         lambda m: 'decode_head.transformer_decoder.layers.'
         f'{m[1]}.norms.{int(m[2]) - 1}.'),
        (r'decode_head\.decoder\.', 'decode_head.transformer_decoder.'),
        (r'decode_head\.query_content\.', 'decode_head.query_embed.'),
        (r'decode_head\.query_pos\.', 'decode_head.query_feat.'),
    ]
    out = {}
    for key, val in state.items():
        if key.startswith('backbone.layers.'):
            # the Swin part: the DepthFormer converter test's inverse
            from test_mdet2depth import to_original_names
            out.update(to_original_names({key: val}))
            continue
        for pattern, repl in rules:
            new = re.sub(pattern, repl, key, count=1)
            if new != key:
                key = new
                break
        out[key] = val
    c = state['decode_head.query_pos.weight'].shape[1]
    out['decode_head.conv_depth.weight'] = torch.zeros(1, c, 3, 3)
    out['decode_head.conv_depth.bias'] = torch.zeros(1)
    out['decode_head.transformer_encoder.reference_points.weight'] = \
        torch.zeros(2, c)
    out['decode_head.transformer_encoder.reference_points.bias'] = \
        torch.zeros(2)
    out['decode_head.transformer_decoder.post_norm.weight'] = torch.ones(c)
    out['decode_head.transformer_decoder.post_norm.bias'] = torch.zeros(c)
    return out


def test_command_line_round_trip(tmp_path):
    """mdet2depth.py on a release of the demo config written under the
    original names: every tensor comes back, the file loads strictly."""
    # the DepthFormer converter test's release writer (tests/ is on the
    # path: test basenames are unique)
    from test_mdet2depth import write_release
    config = osp.join(ROOT, 'configs', 'binsformer', 'swint-tiny_synthetic.py')
    cfg = Config.fromfile(config)
    cfg.model.decode_head.classify = True  # the scene query's keys too
    init_default_scope('depth')
    model = MODELS.build(cfg.model)
    ours = {
        k: torch.randn(v.shape) if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    orig = to_original_binsformer(ours)
    assert not any(
        k.startswith(('decode_head.encoder.', 'decode_head.decoder.'))
        for k in orig)
    converted, fam = convert_mdet_state_dict(orig)
    assert fam.name == 'binsformer'
    assert converted.keys() == ours.keys()
    for k, v in ours.items():
        assert torch.equal(converted[k], v), k
    # the command line, on the demo config as it is (no scene query)
    model = MODELS.build(Config.fromfile(config).model)
    ours = {
        k: torch.randn(v.shape) if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    src, dst = str(tmp_path / 'binsformer_release.pth'), str(tmp_path /
                                                             'ours.pth')
    write_release(src, to_original_binsformer(ours), module_prefix=True)
    proc = run_tool(
        'tools/model_converters/mdet2depth.py',
        src,
        dst,
        '--config',
        config,
        timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    saved = torch.load(dst, map_location='cpu', weights_only=True)
    check_strict_load(model, saved['state_dict'])
    for k, v in ours.items():
        assert torch.equal(saved['state_dict'][k], v), k
