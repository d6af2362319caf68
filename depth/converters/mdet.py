"""Rules for checkpoints of the original Monocular-Depth-Estimation-Toolbox.

Its releases are mmcv 1.x ``save_checkpoint`` files: ``meta`` (versions,
time, config text, hook messages), ``state_dict`` (possibly with
``module.`` prefixes) and possibly ``optimizer``. Only ``state_dict`` is
converted.

Each model family is one :class:`MdetFamily` in :data:`MDET_FAMILIES`: how
to recognise its keys, the :class:`~depth.converters.KeyRule` table that
renames them, and the configs of its releases. Another family of the
original toolbox (its AdaBins, DenseDepth, BinsFormer, ...) plugs in as one
more entry once the model exists here.

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

DEPTHFORMER_RULES: Tuple[KeyRule, ...] = (
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
