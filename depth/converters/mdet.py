"""Rules for checkpoints of the original Monocular-Depth-Estimation-Toolbox.

Its releases are mmcv 1.x ``save_checkpoint`` files: ``meta`` (versions,
time, config text, hook messages), ``state_dict`` (possibly with
``module.`` prefixes) and possibly ``optimizer``. Only ``state_dict`` is
converted.

Each model family is one :class:`MdetFamily` in :data:`MDET_FAMILIES`: how
to recognise its keys, the :class:`~depth.converters.KeyRule` table that
renames them, and the configs of its releases. Another family of the
original toolbox (its AdaBins, DenseDepth, ...) plugs in as one more entry
once the model exists here.

DepthFormer (``DepthFormerSwin`` + ``HAHIHeteroNeck`` + ``DenseDepthHead``)
differs from ours only in names and in one layout:

- backbone: mmseg's Swin names (``patch_embed.projection``,
  ``stages.i``, ``attn.w_msa``, ``ffn.layers.0.0`` / ``ffn.layers.1``) ->
  the official Swin names we use (``patch_embed.proj``, ``layers.i``,
  ``attn``, ``mlp.fc1`` / ``mlp.fc2``); the patch merging concatenates its
  2x2 neighbourhood in ``nn.Unfold`` order (``c * 4 + k``) where ours uses
  the official order (``k * C + c``), so the merging's ``norm`` and
  ``reduction`` are permuted; the persistent ``relative_position_index``
  buffers are checked against ours and dropped (ours are computed);
- neck: ``conv_proj.0`` / ``conv_fusion.0`` (one-element Sequentials) ->
  ``conv_proj`` / ``conv_fusion``; ``multi_att`` (the cross-attention) ->
  ``cross_attn``;
- head: each up-sampling block's ``convA`` / ``convB`` -> ``convs.0`` /
  ``convs.1``.

BinsFormer (plain Swin + ``BinsFormerDecodeHead``) has the same backbone
names (no conv branch) and, in the head:

- ``transformer_encoder.encoder.layers.i`` (mmcv ``BaseTransformerLayer``:
  ``attentions.0``, ``ffns.0.layers.0.0`` / ``.layers.1``, ``norms.0/1``)
  -> ``encoder.layers.i`` (``self_attn``, ``ffn.fc1`` / ``ffn.fc2``,
  ``norm1/2``); ``transformer_encoder.level_embeds`` ->
  ``encoder.level_embeds``;
- ``transformer_decoder.layers.i`` (``attentions.0.attn`` the
  cross-attention, ``attentions.1.attn`` the self-attention, ``ffns.0``,
  ``norms.0/1/2``) -> ``decoder.layers.i`` (``cross_attn``, ``self_attn``,
  ``fc1`` / ``fc2``, ``norm1/2/3``); the older layout with
  ``transformer_decoder.decoder.`` (the original's own
  tools/model_converters/binsformer.py strips it) is accepted too;
- the original passes its two query tables to the decoder crosswise:
  ``query_embed`` is the initial query content and ``query_feat`` the query
  positional embedding, hence ``query_embed`` -> ``query_content`` and
  ``query_feat`` -> ``query_pos``;
- unused tensors are dropped: ``conv_depth`` (built by the original's base
  head, never called), ``transformer_encoder.reference_points`` (the
  encoder computes its reference points) and ``transformer_decoder
  .post_norm`` (never applied).
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

from depth.models.backbones.swin_layers import (relative_position_index,
                                                unfold_merging_to_official)
from .key_rule import KeyRule, apply_key_rules
from .release_io import CONFIG_ROOT


@dataclass(frozen=True)
class MdetFamily:
    """One model family of the original toolbox.

    Args:
        name (str): Family name (``--family`` of the converter).
        detect (callable): ``keys -> bool``: whether a state dict belongs
            to the family.
        rules (Sequence[KeyRule]): The conversion table.
        configs (dict[str, str]): Release name -> our config (relative to
            ``configs/``).
        check (callable, optional): ``state_dict -> None``, raises on
            tensors that the rules drop but must hold known values.
    """

    name: str
    detect: Callable[[Sequence[str]], bool]
    rules: Sequence[KeyRule]
    configs: Dict[str, str] = field(default_factory=dict)
    check: Optional[Callable[[Dict[str, Tensor]], None]] = None


_STAGE = r'backbone\.stages\.(\d+)'
_BLOCK = _STAGE + r'\.blocks\.(\d+)'

#: mmseg Swin -> official Swin names (DepthFormer's and BinsFormer's
#: backbones).
SWIN_RULES: Tuple[KeyRule, ...] = (
    KeyRule(
        r'backbone\.patch_embed\.projection\.(weight|bias)',
        r'backbone.patch_embed.proj.\1',
        note='mmseg Swin name'),
    KeyRule(
        _BLOCK + r'\.attn\.w_msa\.relative_position_index',
        None,
        note='persistent buffer in mmseg Swin; computed here (checked)'),
    KeyRule(_BLOCK + r'\.attn\.w_msa\.(.+)',
            r'backbone.layers.\1.blocks.\2.attn.\3'),
    KeyRule(_BLOCK + r'\.ffn\.layers\.0\.0\.(weight|bias)',
            r'backbone.layers.\1.blocks.\2.mlp.fc1.\3'),
    KeyRule(_BLOCK + r'\.ffn\.layers\.1\.(weight|bias)',
            r'backbone.layers.\1.blocks.\2.mlp.fc2.\3'),
    KeyRule(
        _STAGE + r'\.downsample\.(norm\.weight|norm\.bias|'
        r'reduction\.weight)',
        r'backbone.layers.\1.downsample.\2',
        transform=unfold_merging_to_official,
        note='nn.Unfold channel order -> official order'),
    KeyRule(_STAGE + r'\.(.+)', r'backbone.layers.\1.\2'),
)

DEPTHFORMER_RULES: Tuple[KeyRule, ...] = SWIN_RULES + (
    KeyRule(
        r'neck\.(conv_proj|conv_fusion)\.0\.(.+)',
        r'neck.\1.\2',
        note='one-element Sequential'),
    KeyRule(r'neck\.multi_att\.(.+)', r'neck.cross_attn.\1'),
    KeyRule(r'decode_head\.conv_list\.(\d+)\.convA\.(.+)',
            r'decode_head.conv_list.\1.convs.0.\2'),
    KeyRule(r'decode_head\.conv_list\.(\d+)\.convB\.(.+)',
            r'decode_head.conv_list.\1.convs.1.\2'),
    KeyRule(r'(.+)', r'\1'),
)

_ENC = r'decode_head\.transformer_encoder\.encoder\.layers\.(\d+)'
_DEC = r'decode_head\.transformer_decoder\.(?:decoder\.)?'
_DEC_LAYER = _DEC + r'layers\.(\d+)'

BINSFORMER_RULES: Tuple[KeyRule, ...] = SWIN_RULES + (
    KeyRule(
        r'decode_head\.conv_depth\.(weight|bias)',
        None,
        note="built by the original's base head, never used"),
    KeyRule(
        r'decode_head\.transformer_encoder\.reference_points\.(weight|bias)',
        None,
        note='unused: reference points are pixel centres'),
    KeyRule(_DEC + r'post_norm\.(weight|bias)', None, note='never applied'),
    KeyRule(r'decode_head\.transformer_encoder\.level_embeds',
            r'decode_head.encoder.level_embeds'),
    KeyRule(_ENC + r'\.attentions\.0\.(.+)',
            r'decode_head.encoder.layers.\1.self_attn.\2'),
    KeyRule(_ENC + r'\.ffns\.0\.layers\.0\.0\.(weight|bias)',
            r'decode_head.encoder.layers.\1.ffn.fc1.\2'),
    KeyRule(_ENC + r'\.ffns\.0\.layers\.1\.(weight|bias)',
            r'decode_head.encoder.layers.\1.ffn.fc2.\2'),
    KeyRule(_ENC + r'\.norms\.0\.(weight|bias)',
            r'decode_head.encoder.layers.\1.norm1.\2'),
    KeyRule(_ENC + r'\.norms\.1\.(weight|bias)',
            r'decode_head.encoder.layers.\1.norm2.\2'),
    KeyRule(_DEC_LAYER + r'\.attentions\.0\.attn\.(.+)',
            r'decode_head.decoder.layers.\1.cross_attn.\2'),
    KeyRule(_DEC_LAYER + r'\.attentions\.1\.attn\.(.+)',
            r'decode_head.decoder.layers.\1.self_attn.\2'),
    KeyRule(_DEC_LAYER + r'\.ffns\.0\.layers\.0\.0\.(weight|bias)',
            r'decode_head.decoder.layers.\1.fc1.\2'),
    KeyRule(_DEC_LAYER + r'\.ffns\.0\.layers\.1\.(weight|bias)',
            r'decode_head.decoder.layers.\1.fc2.\2'),
    KeyRule(_DEC_LAYER + r'\.norms\.0\.(weight|bias)',
            r'decode_head.decoder.layers.\1.norm1.\2'),
    KeyRule(_DEC_LAYER + r'\.norms\.1\.(weight|bias)',
            r'decode_head.decoder.layers.\1.norm2.\2'),
    KeyRule(_DEC_LAYER + r'\.norms\.2\.(weight|bias)',
            r'decode_head.decoder.layers.\1.norm3.\2'),
    KeyRule(_DEC + r'(bins_embed|mask_embed|class_embed|decoder_norm)\.(.+)',
            r'decode_head.decoder.\1.\2'),
    KeyRule(
        r'decode_head\.query_embed\.weight',
        r'decode_head.query_content.weight',
        note='the initial query content in the original decoder call'),
    KeyRule(
        r'decode_head\.query_feat\.weight',
        r'decode_head.query_pos.weight',
        note='the query positional embedding in the original decoder call'),
    KeyRule(r'(.+)', r'\1'),
)


def check_relative_position_index(state_dict: Dict[str, Tensor]) -> None:
    """Raise if a released ``relative_position_index`` differs from the
    one our window attention computes (it would mean another window
    layout, whose weights would silently mean something else)."""
    cache: Dict[int, Tensor] = {}
    for key, value in state_dict.items():
        if not key.endswith('relative_position_index'):
            continue
        n = value.shape[0]
        ws = int(round(n**0.5))
        if ws * ws != n or value.shape != (n, n):
            raise ValueError(f'{key}: shape {tuple(value.shape)} is not that '
                             'of a square window')
        if ws not in cache:
            cache[ws] = relative_position_index(ws)
        if not torch.equal(value.long(), cache[ws]):
            raise ValueError(f'{key}: differs from the relative position '
                             f'index of a {ws}x{ws} window computed here')


def _is_depthformer(keys: Sequence[str]) -> bool:
    return any(k.startswith('neck.multi_att.') for k in keys) and any(
        k.startswith('backbone.stages.') for k in keys)


def _is_binsformer(keys: Sequence[str]) -> bool:
    return any(k.startswith('decode_head.transformer_decoder.')
               for k in keys) and any(
                   k.startswith('backbone.stages.') for k in keys)


MDET_FAMILIES: Dict[str, MdetFamily] = {
    'depthformer':
    MdetFamily(
        name='depthformer',
        detect=_is_depthformer,
        rules=DEPTHFORMER_RULES,
        configs={
            'swint_nyu': 'depthformer/swint_nyu.py',
            'swinl_nyu': 'depthformer/swinl_nyu.py',
            'swinl_kitti': 'depthformer/swinl_kitti.py',
            'swinl_kitti_benchmark': 'depthformer/swinl_kitti_benchmark.py',
            'swinl_nyu2sunrgbd': 'depthformer/swinl_nyu2sunrgbd.py',
        },
        check=check_relative_position_index),
    'binsformer':
    MdetFamily(
        name='binsformer',
        detect=_is_binsformer,
        rules=BINSFORMER_RULES,
        configs={
            'swint_nyu': 'binsformer/swint_nyu.py',
            'swinl_nyu': 'binsformer/swinl_nyu.py',
            'swinl_kitti': 'binsformer/swinl_kitti.py',
        },
        check=check_relative_position_index),
}


def detect_mdet_family(state_dict: Dict[str, Tensor],
                       source: str = 'checkpoint') -> MdetFamily:
    """The family whose ``detect`` accepts the keys.

    Raises:
        ValueError: No family or several match (naming the families).
    """
    keys = list(state_dict)
    found = [f for f in MDET_FAMILIES.values() if f.detect(keys)]
    if len(found) != 1:
        what = 'no' if not found else 'several'
        raise ValueError(
            f'{source}: {what} known model family of the original toolbox '
            f'matches its keys (known: {sorted(MDET_FAMILIES)}; first keys: '
            f'{keys[:5]}). Pass --family if it is one of them.')
    return found[0]


def convert_mdet_state_dict(
        state_dict: Dict[str, Tensor],
        family: Optional[str] = None,
        source: str = 'checkpoint',
        log: Optional[List[str]] = None
) -> Tuple[Dict[str, Tensor], MdetFamily]:
    """Convert the ``state_dict`` of an original-toolbox checkpoint.

    Args:
        state_dict (dict[str, Tensor]): Without ``module.`` prefixes.
        family (str, optional): A key of :data:`MDET_FAMILIES`; detected
            from the keys when None.
        source (str): Name of the source (for messages).
        log (list[str], optional): Receives one line per changed key.

    Returns:
        tuple: (converted state dict, the family).
    """
    if family is None:
        fam = detect_mdet_family(state_dict, source)
    elif family in MDET_FAMILIES:
        fam = MDET_FAMILIES[family]
    else:
        raise KeyError(f'unknown family {family!r}; known: '
                       f'{sorted(MDET_FAMILIES)}')
    if fam.check is not None:
        fam.check(state_dict)
    return apply_key_rules(state_dict, fam.rules, source, log), fam


def guess_release_config(family: MdetFamily, src: str) -> Optional[str]:
    """Our config for a release file, from names in its file name
    (``depthformer_swinl_22k_w7_kitti.pth`` -> ``swinl_kitti``); None
    when the name does not tell."""
    name = osp.basename(src).lower()
    backbone = 'swinl' if 'swinl' in name else (
        'swint' if 'swint' in name else None)
    if 'sunrgbd' in name:
        dataset = 'nyu2sunrgbd'
    elif 'benchmark' in name:
        dataset = 'kitti_benchmark'
    elif 'kitti' in name:
        dataset = 'kitti'
    elif 'nyu' in name:
        dataset = 'nyu'
    else:
        dataset = None
    if backbone is None or dataset is None:
        return None
    rel = family.configs.get(f'{backbone}_{dataset}')
    return osp.join(CONFIG_ROOT, rel) if rel else None
