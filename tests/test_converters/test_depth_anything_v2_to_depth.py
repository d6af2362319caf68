"""Conversion of the Depth Anything V2 releases: key rules on the original
ViT-S key list (fixture), strict loading into our configs' models, the
encoder-only mode and the command-line tool (no original code, no
network)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from depth.apis.inference import pretrained_off
from depth.converters import check_strict_load
from depth.converters.depth_anything_v2 import (
    DA2_ENCODER_RULES, DA2_METRIC_RULES, convert_depth_anything_v2_state_dict,
    da2_arch, da2_release_config, guess_da2_dataset, guess_da2_mode)
from depth.registry import MODELS
from depth.testing import REPO_ROOT, load_script, read_key_shapes

ROOT = REPO_ROOT
TOOL = osp.join(ROOT, 'tools', 'model_converters',
                'depth_anything_v2_to_depth.py')
FIXTURE = osp.join(
    osp.dirname(__file__), 'fixtures',
    'depth_anything_v2_metric_vits_keys.txt')


def synthetic_release(seed=0):
    """A state dict with the original key names and shapes, each tensor
    filled with distinct values (so that a swapped key would show)."""
    g = torch.Generator().manual_seed(seed)
    return {
        k: torch.randn(s, generator=g) if len(s) else torch.tensor(0)
        for k, s in read_key_shapes(FIXTURE).items()
    }


@pytest.fixture(scope='module')
def vits_model():
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs/depth_anything_v2/vits_hypersim.py'))
    with DefaultScope.overwrite_default_scope('depth'):
        return MODELS.build(pretrained_off(cfg.model))


def test_fixture_is_the_vits_layout():
    keys = read_key_shapes(FIXTURE)
    assert keys['pretrained.cls_token'] == (1, 1, 384)
    assert keys['pretrained.pos_embed'] == (1, 1370, 384)  # 37 x 37 + 1
    assert sum(
        k.startswith('pretrained.blocks.') and k.endswith('ls1.gamma')
        for k in keys) == 12


def test_metric_key_mapping():
    state = synthetic_release()
    log = []
    out = convert_depth_anything_v2_state_dict(state, 'metric', log=log)
    # Hand-written correspondences (independent of the rule table).
    expect = {
        'pretrained.pos_embed':
        'backbone.pos_embed',
        'pretrained.blocks.7.ls2.gamma':
        'backbone.blocks.7.ls2.gamma',
        'pretrained.blocks.0.attn.qkv.weight':
        'backbone.blocks.0.attn.qkv.weight',
        'pretrained.norm.bias':
        'backbone.norm.bias',
        'depth_head.resize_layers.3.weight':
        'decode_head.resize_layers.3.weight',
        'depth_head.scratch.layer1_rn.weight':
        'decode_head.convs.0.weight',
        'depth_head.scratch.layer4_rn.weight':
        'decode_head.convs.3.weight',
        'depth_head.scratch.refinenet4.out_conv.bias':
        'decode_head.fusion_blocks.3.project.bias',
        'depth_head.scratch.refinenet1.resConfUnit1.conv2.weight':
        'decode_head.fusion_blocks.0.res_conv_unit1.conv2.weight',
        'depth_head.scratch.refinenet4.resConfUnit2.conv1.bias':
        'decode_head.fusion_blocks.3.res_conv_unit2.conv1.bias',
        'depth_head.scratch.output_conv1.weight':
        'decode_head.output_conv1.weight',
        'depth_head.scratch.output_conv2.0.bias':
        'decode_head.output_conv2.0.bias',
        'depth_head.scratch.output_conv2.2.weight':
        'decode_head.conv_depth.weight',
    }
    for src, dst in expect.items():
        assert out[dst] is state[src], (src, dst)
    dropped = set(state) - {
        k
        for k in state if any(out_v is state[k] for out_v in out.values())
    }
    assert dropped == {
        'pretrained.mask_token',
        'depth_head.scratch.refinenet4.resConfUnit1.conv1.weight',
        'depth_head.scratch.refinenet4.resConfUnit1.conv1.bias',
        'depth_head.scratch.refinenet4.resConfUnit1.conv2.weight',
        'depth_head.scratch.refinenet4.resConfUnit1.conv2.bias'
    }
    assert len(out) == len(state) - 5
    assert sum(line.startswith('drop') for line in log) == 5


def test_metric_loads_strictly_into_the_release_config(vits_model):
    out = convert_depth_anything_v2_state_dict(synthetic_release(), 'metric')
    check_strict_load(vits_model, out)
    assert torch.equal(vits_model.decode_head.conv_depth.weight,
                       out['decode_head.conv_depth.weight'])


def test_encoder_mode_fits_the_backbone(vits_model):
    out = convert_depth_anything_v2_state_dict(synthetic_release(), 'encoder')
    assert not any(
        k.startswith(('decode_head', 'backbone', 'depth_head')) for k in out)
    check_strict_load(vits_model.backbone, out)


def test_unknown_keys_and_modes_are_errors():
    state = synthetic_release()
    state['pretrained.blocks.0.mlp.w12.weight'] = torch.zeros(1)  # vitg
    with pytest.raises(KeyError, match='w12'):
        convert_depth_anything_v2_state_dict(state, 'metric', source='x.pth')
    with pytest.raises(ValueError, match='mode'):
        convert_depth_anything_v2_state_dict({}, 'relative')
    assert DA2_METRIC_RULES and DA2_ENCODER_RULES


def test_arch_and_names():
    state = {'pretrained.cls_token': torch.zeros(1, 1, 768)}
    assert da2_arch(state) == 'vitb'
    with pytest.raises(KeyError, match='1536'):
        da2_arch({'pretrained.cls_token': torch.zeros(1, 1, 1536)})
    with pytest.raises(KeyError, match='cls_token'):
        da2_arch({'x': torch.zeros(1)}, source='f.pth')
    name = 'depth_anything_v2_metric_vkitti_vitl.pth'
    assert guess_da2_mode(name) == 'metric'
    assert guess_da2_mode('depth_anything_v2_vitl.pth') == 'encoder'
    assert guess_da2_dataset(name) == 'vkitti'
    assert guess_da2_dataset('depth_anything_v2_metric_hypersim_vits.pth') \
        == 'hypersim'
    assert guess_da2_dataset('model.pth') is None
    assert da2_release_config(
        'vitl', 'vkitti').endswith('configs/depth_anything_v2/vitl_vkitti2.py')
    assert da2_release_config(
        'vits',
        mode='encoder').endswith('configs/depth_anything_v2/vits_kitti.py')
    for path in (da2_release_config('vitb', 'hypersim'),
                 da2_release_config('vitb', mode='encoder')):
        assert osp.isfile(path)
    with pytest.raises(KeyError):
        da2_release_config('vitg', 'hypersim')


def test_tool_end_to_end(tmp_path):
    """Release file (bare state dict, DDP-wrapped training checkpoint) ->
    tool -> a checkpoint that loads strictly; encoder mode -> a file the
    backbone's ``pretrained`` reads."""
    main = load_script(TOOL, 'da2_tool').main
    state = synthetic_release()
    src = tmp_path / 'depth_anything_v2_metric_hypersim_vits.pth'
    torch.save(state, src)
    dst = tmp_path / 'out.pth'
    main([str(src), str(dst)])
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['config'] == 'configs/depth_anything_v2/' \
        'vits_hypersim.py'
    assert torch.equal(ckpt['state_dict']['backbone.cls_token'],
                       state['pretrained.cls_token'])

    # The original train.py's checkpoint: {'model': module.-keys, ...}.
    wrapped = tmp_path / 'latest.pth'
    torch.save(
        dict(
            model={
                f'module.{k}': v
                for k, v in state.items()
            },
            epoch=3,
            previous_best=dict(d1=0.5)), wrapped)
    main([
        str(wrapped),
        str(tmp_path / 'w.pth'), '--dataset', 'vkitti', '--mode', 'metric'
    ])

    rel = tmp_path / 'depth_anything_v2_vits.pth'
    torch.save(state, rel)
    enc = tmp_path / 'encoder.pth'
    main([str(rel), str(enc)])
    backbone = MODELS.build(
        dict(type='DINOv2ViT', arch='vits', pretrained=str(enc)))
    backbone.init_weights()
    assert torch.equal(backbone.pos_embed.data, state['pretrained.pos_embed'])

    unnamed = tmp_path / 'model.pth'
    torch.save(state, unnamed)
    with pytest.raises(SystemExit, match='hypersim or vkitti'):
        main([str(unnamed), str(dst), '--mode', 'metric'])
