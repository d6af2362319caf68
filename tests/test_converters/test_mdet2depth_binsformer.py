"""The original toolbox's BinsFormer checkpoints: key rules (on the original
Swin-T NYU key list), the old decoder layout, detection, release names."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from depth.converters import check_strict_load
from depth.converters.mdet import (MDET_FAMILIES, convert_mdet_state_dict,
                                   guess_release_config)
from depth.models.backbones.swin_layers import relative_position_index
from depth.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
KEYS_FILE = osp.join(
    osp.dirname(__file__), 'fixtures', 'mdet_binsformer_swint_nyu_keys.txt')


def original_key_shapes(path=KEYS_FILE):
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith('#') or not line.strip():
                continue
            key, shape = line.split()
            out[key] = () if shape == '-' else tuple(
                int(s) for s in shape.split(',') if s)
    return out


def random_original_state(key_shapes, seed=0):
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in key_shapes.items():
        if key.endswith('relative_position_index'):
            state[key] = relative_position_index(int(round(shape[0]**0.5)))
        elif key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(7)
        else:
            state[key] = torch.randn(shape, generator=g)
    return state


@pytest.fixture(scope='module')
def swint_nyu_model():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'binsformer', 'swint_nyu.py'))
    init_default_scope('depth')
    return MODELS.build(cfg.model)


def test_real_original_layout_loads_strictly(swint_nyu_model):
    orig = random_original_state(original_key_shapes())
    assert len(orig) == 527
    log = []
    converted, family = convert_mdet_state_dict(orig, source='t', log=log)
    assert family.name == 'binsformer'
    # dropped: 12 relative_position_index, conv_depth (2),
    # reference_points (2), post_norm (2)
    assert sum(line.startswith('drop') for line in log) == 18
    assert len(converted) == 527 - 18
    check_strict_load(swint_nyu_model, converted, 't')
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
    orig = random_original_state(original_key_shapes())
    prefix = 'decode_head.transformer_decoder.'
    old = {k.replace(prefix, prefix + 'decoder.'): v for k, v in orig.items()}
    new_conv, _ = convert_mdet_state_dict(orig)
    old_conv, fam = convert_mdet_state_dict(old)
    assert fam.name == 'binsformer'
    assert old_conv.keys() == new_conv.keys()


def test_families_are_told_apart():
    orig = random_original_state(original_key_shapes())
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
