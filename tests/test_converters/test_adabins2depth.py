"""Conversion of the official AdaBins releases (shariqfarooq123/AdaBins):
key rules, bias folding, old key names, the flat positional table and the
command-line tool, on generated release files (no original code, no
network)."""
import os
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope

from depth.apis.inference import pretrained_off
from depth.converters import (KeyRule, apply_key_rules, check_strict_load,
                              convert_adabins_state_dict, fold_conv_biases,
                              load_release, unwrap_state_dict)
from depth.converters.adabins import (ADABINS_RULES, adabins_release_config,
                                      guess_adabins_dataset)
from depth.models.layers import MiniViT
from depth.registry import MODELS
from depth.testing import REPO_ROOT, run_tool

ROOT = REPO_ROOT
TOOL = osp.join(ROOT, 'tools', 'model_converters', 'adabins2depth.py')

# Our names -> the original UnetAdaptiveBins names (the inverse of the
# converter's rules, written independently from the original code:
# models/unet_adaptive_bins.py, miniViT.py, layers.py and gen-efficientnet).
_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
TO_ORIGINAL = (
    KeyRule(r'backbone\.(blocks\.\d+\.\d+\.)?(bn\d)\.bn\.' + _BN,
            r'encoder.original_model.\1\2.\3'),
    KeyRule(r'backbone\.(.+)', r'encoder.original_model.\1'),
    KeyRule(r'decode_head\.conv_list\.0\.conv\.(.+)', r'decoder.conv2.\1'),
    KeyRule(r'decode_head\.conv_list\.(\d)\.convs\.0\.conv\.weight',
            r'decoder.up\1._net.0.weight'),
    KeyRule(r'decode_head\.conv_list\.(\d)\.convs\.0\.bn\.(.+)',
            r'decoder.up\1._net.1.\2'),
    KeyRule(r'decode_head\.conv_list\.(\d)\.convs\.1\.conv\.weight',
            r'decoder.up\1._net.3.weight'),
    KeyRule(r'decode_head\.conv_list\.(\d)\.convs\.1\.bn\.(.+)',
            r'decoder.up\1._net.4.\2'),
    KeyRule(r'decode_head\.decode_final_conv\.(.+)', r'decoder.conv3.\1'),
    KeyRule(r'decode_head\.mini_vit\.patch_embed\.(.+)',
            r'adaptive_bins_layer.patch_transformer.embedding_convPxP.\1'),
    KeyRule(r'decode_head\.mini_vit\.pos_embed',
            r'adaptive_bins_layer.patch_transformer.positional_encodings'),
    KeyRule(r'decode_head\.mini_vit\.encoder\.(.+)',
            r'adaptive_bins_layer.patch_transformer.transformer_encoder.\1'),
    KeyRule(r'decode_head\.mini_vit\.(conv3x3|regressor)\.(.+)',
            r'adaptive_bins_layer.\1.\2'),
    KeyRule(r'decode_head\.conv_out\.(.+)', r'conv_out.0.\1'),
)

# Literal original keys (read off the official code) -> ours. A rule that
# maps to a wrong name fails here even if the generator above agreed with
# it.
LITERAL = {
    'encoder.original_model.conv_stem.weight':
    'backbone.conv_stem.weight',
    'encoder.original_model.bn1.running_var':
    'backbone.bn1.bn.running_var',
    'encoder.original_model.blocks.0.0.conv_dw.weight':
    'backbone.blocks.0.0.conv_dw.weight',
    'encoder.original_model.blocks.0.0.bn1.weight':
    'backbone.blocks.0.0.bn1.bn.weight',
    'encoder.original_model.blocks.2.1.se.conv_reduce.bias':
    'backbone.blocks.2.1.se.conv_reduce.bias',
    'encoder.original_model.blocks.6.2.bn3.running_mean':
    'backbone.blocks.6.2.bn3.bn.running_mean',
    'encoder.original_model.blocks.4.0.conv_pwl.weight':
    'backbone.blocks.4.0.conv_pwl.weight',
    'encoder.original_model.conv_head.weight':
    'backbone.conv_head.weight',
    'encoder.original_model.bn2.weight':
    None,  # unused: dropped
    'decoder.conv2.weight':
    'decode_head.conv_list.0.conv.weight',
    'decoder.conv2.bias':
    'decode_head.conv_list.0.conv.bias',
    'decoder.up1._net.0.weight':
    'decode_head.conv_list.1.convs.0.conv.weight',
    'decoder.up1._net.1.running_mean':
    'decode_head.conv_list.1.convs.0.bn.running_mean',
    'decoder.up4._net.3.weight':
    'decode_head.conv_list.4.convs.1.conv.weight',
    'decoder.up4._net.4.weight':
    'decode_head.conv_list.4.convs.1.bn.weight',
    'decoder.conv3.weight':
    'decode_head.decode_final_conv.weight',
    'adaptive_bins_layer.patch_transformer.positional_encodings':
    'decode_head.mini_vit.pos_embed',
    'adaptive_bins_layer.patch_transformer.embedding_convPxP.weight':
    'decode_head.mini_vit.patch_embed.weight',
    'adaptive_bins_layer.patch_transformer.embedding_encoder.bias':
    'decode_head.mini_vit.patch_embed.bias',  # older releases
    'adaptive_bins_layer.patch_transformer.transformer_encoder.layers.3.'
    'self_attn.in_proj_weight':
    'decode_head.mini_vit.encoder.layers.3.self_attn.in_proj_weight',
    'adaptive_bins_layer.conv3x3.weight':
    'decode_head.mini_vit.conv3x3.weight',
    'adaptive_bins_layer.embedding_conv.bias':
    'decode_head.mini_vit.conv3x3.bias',  # older releases
    'adaptive_bins_layer.regressor.4.weight':
    'decode_head.mini_vit.regressor.4.weight',
    'conv_out.0.weight':
    'decode_head.conv_out.weight',
}


def build_model(config, device=None):
    cfg = Config.fromfile(config)
    pretrained_off(cfg.model)
    with DefaultScope.overwrite_default_scope('depth'):
        if device is None:
            return MODELS.build(cfg.model)
        with torch.device(device):
            return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def nyu_model():
    """The real B5 model of configs/adabins/efnetb5_nyu.py (built once)."""
    torch.manual_seed(0)
    return build_model(adabins_release_config('nyu')).eval()


def original_state_dict(model: nn.Module, seed: int = 0) -> dict:
    """A state dict with the original's names and shapes (no ``module.``):
    our tensors renamed, plus the decoder conv biases (their BatchNorm's
    running mean shifted so that the folded result is ``model``'s) and the
    encoder's unused ``bn2``."""
    g = torch.Generator().manual_seed(seed)
    ours = {k: v.clone() for k, v in model.state_dict().items()}
    orig = apply_key_rules(ours, TO_ORIGINAL, 'ours')
    for k in list(orig):
        if k.endswith('._net.1.running_mean') or k.endswith(
                '._net.4.running_mean'):
            bias = torch.randn(orig[k].numel(), generator=g) * 0.2
            conv = k[:-len('1.running_mean')] + \
                ('0.bias' if k.endswith('1.running_mean') else '3.bias')
            orig[conv] = bias
            orig[k] = orig[k] + bias  # BN(conv(x) + b) == ours
    c = model.backbone.conv_head.out_channels
    for name, value in (('weight', torch.ones(c)), ('bias', torch.zeros(c)),
                        ('running_mean', torch.zeros(c)),
                        ('running_var', torch.ones(c)), ('num_batches_tracked',
                                                         torch.tensor(0))):
        orig[f'encoder.original_model.bn2.{name}'] = value
    return orig


def write_release(path, state_dict):
    """The model_io.save_checkpoint layout of a DDP model."""
    torch.save(
        dict(
            model={
                f'module.{k}': v
                for k, v in state_dict.items()
            },
            optimizer=dict(state={}, param_groups=[dict(lr=3.57e-4)]),
            epoch=24), path)


def test_literal_original_names():
    for orig, ours in LITERAL.items():
        sd = {orig: torch.zeros(1)}
        out = apply_key_rules(sd, ADABINS_RULES, 'literal')
        assert list(out) == ([ours] if ours else []), orig


def test_generated_release_matches_original_layout(nyu_model):
    orig = original_state_dict(nyu_model)
    # 973 entries: the state dict of the original UnetAdaptiveBins(n_bins=256)
    # around tf_efficientnet_b5_ap without global_pool and classifier.
    assert len(orig) == 973
    shapes = {
        'adaptive_bins_layer.patch_transformer.positional_encodings':
        (500, 128),
        'decoder.conv2.weight': (2048, 2048, 1, 1),
        'decoder.up1._net.0.bias': (1024, ),
        'encoder.original_model.blocks.0.0.conv_dw.weight': (48, 1, 3, 3),
        'encoder.original_model.bn2.running_var': (2048, ),
        'adaptive_bins_layer.conv3x3.weight': (128, 128, 3, 3),
        'conv_out.0.weight': (256, 128, 1, 1),
    }
    for key, shape in shapes.items():
        assert tuple(orig[key].shape) == shape, key


def test_convert_strict_load_real_configs(nyu_model):
    orig = original_state_dict(nyu_model)
    expected = nyu_model.state_dict()
    converted = convert_adabins_state_dict(orig, 'generated')
    assert set(converted) == set(expected)
    check_strict_load(nyu_model, converted, 'generated')  # 0 missing/unexp.
    for k, v in expected.items():
        torch.testing.assert_close(converted[k], v, rtol=0, atol=1e-6)
    # KITTI: the same network (only max_depth differs); structure on meta.
    kitti = build_model(adabins_release_config('kitti'), device='meta')
    assert {k: v.shape for k, v in kitti.state_dict().items()} == \
        {k: v.shape for k, v in converted.items()}
    assert kitti.decode_head.max_depth == 80


def test_old_key_names_accepted(nyu_model):
    orig = original_state_dict(nyu_model)
    renames = [
        ('adaptive_bins_layer.conv3x3.',
         'adaptive_bins_layer.embedding_conv.'),
        ('patch_transformer.embedding_convPxP.',
         'patch_transformer.embedding_encoder.'),
    ]
    old = {}
    for k, v in orig.items():
        for new_name, old_name in renames:
            k = k.replace(new_name, old_name)
        old[k] = v
    assert 'adaptive_bins_layer.embedding_conv.weight' in old
    assert ('adaptive_bins_layer.patch_transformer.embedding_encoder.weight'
            in old)
    a = convert_adabins_state_dict(orig)
    b = convert_adabins_state_dict(old)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_unknown_key_is_an_error(nyu_model):
    orig = original_state_dict(nyu_model)
    orig['decoder.up5._extra.weight'] = torch.zeros(1)
    with pytest.raises(KeyError, match='decoder.up5._extra.weight'):
        convert_adabins_state_dict(orig, 'AdaBins_nyu.pt')
    converted = convert_adabins_state_dict(original_state_dict(nyu_model))
    del converted['decode_head.conv_out.bias']
    with pytest.raises(RuntimeError, match='decode_head.conv_out.bias'):
        check_strict_load(nyu_model, converted, 'AdaBins_nyu.pt')


def test_fold_conv_bias_hand_computed():
    sd = {
        'decoder.up1._net.0.weight': torch.ones(2, 1, 1, 1),
        'decoder.up1._net.0.bias': torch.tensor([0.5, -1.0]),
        'decoder.up1._net.1.weight': torch.tensor([2.0, 0.5]),
        'decoder.up1._net.1.bias': torch.tensor([0.1, 0.2]),
        'decoder.up1._net.1.running_mean': torch.tensor([1.0, -2.0]),
        'decoder.up1._net.1.running_var': torch.tensor([4.0, 1.0]),
    }
    log = []
    out = fold_conv_biases(sd, log=log)
    assert 'decoder.up1._net.0.bias' not in out
    # running_mean' = running_mean - b
    assert out['decoder.up1._net.1.running_mean'].tolist() == [0.5, -1.0]
    assert log == [
        'fold   decoder.up1._net.0.bias into '
        'decoder.up1._net.1.running_mean'
    ]
    # BN(y + b) == BN'(y): y = (3, 0) ->
    # ((3 + 0.5 - 1) / 2 * 2 + 0.1, (0 - 1 + 2) / 1 * 0.5 + 0.2) = (2.6, 0.7)
    y = torch.tensor([3.0, 0.0]).view(1, 2, 1, 1)
    bn = nn.BatchNorm2d(2, eps=0.0).eval()
    bn.weight.data = sd['decoder.up1._net.1.weight']
    bn.bias.data = sd['decoder.up1._net.1.bias']
    bn.running_var = sd['decoder.up1._net.1.running_var']
    bn.running_mean = sd['decoder.up1._net.1.running_mean']
    before = bn(y + sd['decoder.up1._net.0.bias'].view(1, 2, 1, 1))
    bn.running_mean = out['decoder.up1._net.1.running_mean']
    after = bn(y)
    expected = torch.tensor([2.6, 0.7]).view(1, 2, 1, 1)
    torch.testing.assert_close(before, expected)
    torch.testing.assert_close(after, expected)
    # A bias without its BatchNorm is an error naming both keys.
    del sd['decoder.up1._net.1.running_mean']
    with pytest.raises(KeyError, match=r'up1\._net\.0\.bias.*_net\.1\.'):
        fold_conv_biases(sd)


def flat_vit(**kwargs):
    """A one-layer MiniViT on 8 channels, 2x2 patches, whose positional
    table is flat: 10 rows."""
    return MiniViT(
        8,
        embed_dims=8,
        patch_size=2,
        num_layers=1,
        num_heads=2,
        feedforward_channels=16,
        num_queries=3,
        out_channels=4,
        head_channels=8,
        pos_embed_type='flat',
        num_pos_embeds=10,
        **kwargs)


def test_flat_positional_table_uses_first_rows():
    torch.manual_seed(0)
    vit = flat_vit(dropout=0.0).eval()
    assert vit.pos_embed.shape == (10, 8)
    with torch.no_grad():
        vit.pos_embed.copy_(torch.arange(80.).view(10, 8))
    # A 2x3 token grid gets rows 0..5, in row-major token order.
    torch.testing.assert_close(
        vit._pos_embed((2, 3)),
        torch.arange(48.).view(1, 6, 8))
    seen = {}
    vit.encoder.register_forward_pre_hook(
        lambda m, args: seen.setdefault('tokens', args[0]))
    x = torch.randn(1, 8, 4, 6)  # 2x3 patches of 2x2
    with torch.no_grad():
        vit(x)
        emb = vit.patch_embed(x).flatten(2).transpose(1, 2)
    torch.testing.assert_close(seen['tokens'],
                               emb + torch.arange(48.).view(1, 6, 8))


def test_flat_positional_table_too_many_tokens():
    vit = flat_vit()
    x = torch.randn(1, 8, 8, 8)  # 4x4 = 16 tokens > 10 rows
    with pytest.raises(
            ValueError, match=r'4x4 grid of 16 patch tokens.*'
            r'only 10 rows'):
        vit(x)
    with pytest.raises(ValueError, match='pos_embed_type'):
        MiniViT(8, embed_dims=8, num_heads=2, pos_embed_type='sine')


def test_release_file_name_and_reading(tmp_path, nyu_model):
    assert guess_adabins_dataset('pretrained/AdaBins_kitti.pt') == 'kitti'
    assert guess_adabins_dataset('AdaBins_nyu.pt') == 'nyu'
    assert guess_adabins_dataset('model.pt') is None
    path = str(tmp_path / 'AdaBins_nyu.pt')
    write_release(path, original_state_dict(nyu_model))
    state = unwrap_state_dict(load_release(path), path, wrappers=('model', ))
    assert 'decoder.conv2.weight' in state  # module. stripped
    assert len(state) == 973


def test_cli_end_to_end(tmp_path, nyu_model):
    src = str(tmp_path / 'AdaBins_nyu.pt')
    dst = str(tmp_path / 'out' / 'adabins_efnetb5_nyu.pth')
    write_release(src, original_state_dict(nyu_model))
    env = dict(OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = run_tool(TOOL, src, dst, **env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'loads strictly' in proc.stdout + proc.stderr
    # What tools/test.py loads: weights_only, {'meta', 'state_dict'}.
    ckpt = torch.load(dst, map_location='cpu', weights_only=True)
    assert ckpt['meta']['converted_from'] == 'AdaBins_nyu.pt'
    assert ckpt['meta']['converter'] == \
        'tools/model_converters/adabins2depth.py'
    check_strict_load(nyu_model, ckpt['state_dict'], dst)
    # A name that tells no dataset needs --dataset or --config.
    other = str(tmp_path / 'weights.pt')
    os.rename(src, other)
    proc = run_tool(TOOL, other, dst, **env)
    assert proc.returncode != 0
    assert '--dataset' in proc.stderr
