"""Rules for the Depth Anything V2 releases (DepthAnything/Depth-Anything-V2).

Two kinds of release files hold the same key layout, a bare state dict of
``DepthAnythingV2`` (``pretrained.*``: the DINOv2 encoder, ``depth_head.*``:
the DPT head):

- the metric models ``depth_anything_v2_metric_{hypersim,vkitti}_vit{s,b,l}
  .pth`` (``metric_depth/depth_anything_v2/dpt.py``: the head ends in
  ``Sigmoid`` and the output is multiplied by ``max_depth``, 20 for
  Hypersim and 80 for Virtual KITTI 2). Converted whole (``mode='metric'``)
  into ``configs/depth_anything_v2/vit*_{hypersim,vkitti2}.py``;
- the relative-depth models ``depth_anything_v2_vit{s,b,l}.pth``. The
  original metric fine-tuning (``metric_depth/train.py
  --pretrained-from``) loads only their encoder (``'pretrained' in key``);
  so does ``mode='encoder'``: the result is the state dict of our
  :class:`~depth.models.backbones.DINOv2ViT`, for
  ``model.backbone.pretrained`` of the fine-tuning configs.

A checkpoint written by the original ``metric_depth/train.py``
(``{'model', 'optimizer', 'epoch', 'previous_best'}``, ``module.`` keys)
is converted the same way (its ``model``).

Dropped keys: ``pretrained.mask_token`` (DINOv2's masked-image-modelling
token, unused without masks) and ``depth_head.scratch.refinenet4
.resConfUnit1.*`` (the deepest fusion block is called without a skip
feature, so this unit never runs; ours does not have it). The giant model
(``vitg``, SwiGLU feed-forward) is not supported.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from .key_rule import KeyRule, apply_key_rules
from .release_io import CONFIG_ROOT

#: Embedding width -> our architecture name.
DA2_ARCHS: Dict[int, str] = {384: 'vits', 768: 'vitb', 1024: 'vitl'}

#: Metric release dataset (as in the file names) -> our config suffix.
DA2_DATASETS: Dict[str, str] = {'hypersim': 'hypersim', 'vkitti': 'vkitti2'}

#: Config (relative to ``configs/``) whose backbone takes a converted
#: relative-depth encoder (all fine-tuning configs of a size share it).
DA2_ENCODER_CONFIG = 'depth_anything_v2/{arch}_kitti.py'

_P = r'pretrained\.'
_ENCODER_PARAMS = (
    r'(cls_token|pos_embed|patch_embed\.proj\.(?:weight|bias)'
    r'|blocks\.\d+\.(?:norm1|norm2|attn\.qkv|attn\.proj|mlp\.fc1|mlp\.fc2)'
    r'\.(?:weight|bias)|blocks\.\d+\.ls[12]\.gamma|norm\.(?:weight|bias))')
_MASK_TOKEN = KeyRule(
    _P + r'mask_token',
    None,
    note="DINOv2's masked-image-modelling token: unused without masks")


def _encoder_rules(prefix: str) -> Tuple[KeyRule, ...]:
    return (_MASK_TOKEN,
            KeyRule(
                _P + _ENCODER_PARAMS,
                prefix + r'\1',
                note='timm DINOv2 names = the original DINOv2 names'))


_H = r'depth_head\.'
_S = _H + r'scratch\.'
_HEAD = 'decode_head.'
_W = r'(weight|bias)'
_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'


def _head_rules() -> Tuple[KeyRule, ...]:
    rules = [
        KeyRule(_H + r'projects\.([0-3])\.' + _W, _HEAD + r'projects.\1.\2'),
        KeyRule(
            _H + r'resize_layers\.([013])\.' + _W,
            _HEAD + r'resize_layers.\1.\2',
            note='resize_layers.2 is an Identity'),
        KeyRule(_H + r'readout_projects\.([0-3])\.0\.' + _W,
                _HEAD + r'readout_projects.\1.0.\2'),
        KeyRule(
            _S + r'refinenet4\.resConfUnit1\.(.+)',
            None,
            note='never run: the deepest fusion block has no skip input'),
    ]
    for k in range(1, 5):
        block = f'{_HEAD}fusion_blocks.{k - 1}.'
        rules += [
            KeyRule(
                _S + f'layer{k}_rn\\.weight',
                f'{_HEAD}convs.{k - 1}.weight',
                note='scratch.layerK_rn = level K-1'),
            KeyRule(
                _S + f'refinenet{k}\\.resConfUnit([12])\\.(conv[12])\\.' + _W,
                block + r'res_conv_unit\1.\2.\3'),
            KeyRule(
                _S + f'refinenet{k}\\.resConfUnit([12])\\.(bn[12])\\.' + _BN,
                block + r'res_conv_unit\1.\2.\3',
                note='use_bn=True'),
            KeyRule(_S + f'refinenet{k}\\.out_conv\\.' + _W,
                    block + r'project.\1'),
        ]
    rules += [
        KeyRule(_S + r'output_conv1\.' + _W, _HEAD + r'output_conv1.\1'),
        KeyRule(_S + r'output_conv2\.0\.' + _W, _HEAD + r'output_conv2.0.\1'),
        KeyRule(
            _S + r'output_conv2\.2\.' + _W,
            _HEAD + r'conv_depth.\1',
            note='the last 1x1 conv (before Sigmoid * max_depth)'),
    ]
    return tuple(rules)


#: Whole metric model -> our DepthEncoderDecoder. No catch-all: a key of
#: another architecture (e.g. vitg's SwiGLU ``mlp.w12``) is an error.
DA2_METRIC_RULES: Tuple[KeyRule, ...] = _encoder_rules('backbone.') + \
    _head_rules()

#: Encoder only -> our DINOv2ViT (no prefix); the head is dropped.
DA2_ENCODER_RULES: Tuple[KeyRule, ...] = _encoder_rules('') + (KeyRule(
    _H + r'(.+)',
    None,
    note='encoder only: the original fine-tuning loads only the encoder'), )


def da2_arch(state_dict: Dict[str, Tensor], source: str = 'checkpoint') -> str:
    """``'vits'``, ``'vitb'`` or ``'vitl'`` from the encoder's width.

    Raises:
        KeyError: No ``pretrained.cls_token``, or an unsupported width
            (ViT-G: 1536).
    """
    key = 'pretrained.cls_token'
    if key not in state_dict:
        raise KeyError(f'{source}: no {key!r}: not a Depth Anything V2 '
                       f'state dict (first keys: {list(state_dict)[:5]})')
    width = int(state_dict[key].shape[-1])
    if width not in DA2_ARCHS:
        raise KeyError(f'{source}: encoder width {width} is not one of '
                       f'{DA2_ARCHS} (ViT-G, 1536, is not supported)')
    return DA2_ARCHS[width]


def convert_depth_anything_v2_state_dict(
        state_dict: Dict[str, Tensor],
        mode: str = 'metric',
        source: str = 'checkpoint',
        log: Optional[List[str]] = None) -> Dict[str, Tensor]:
    """Convert a Depth Anything V2 state dict.

    Args:
        state_dict (dict[str, Tensor]): ``pretrained.*`` and
            ``depth_head.*`` tensors (no ``module.``, see
            :func:`~depth.converters.unwrap_state_dict`).
        mode (str): ``'metric'``: the whole model, named as our
            ``DepthEncoderDecoder`` (``backbone.*``, ``decode_head.*``);
            ``'encoder'``: the encoder only, named as our ``DINOv2ViT``.
        source (str): Name of the source (for messages).
        log (list[str], optional): Receives one line per renamed or dropped
            key.

    Returns:
        dict[str, Tensor]: Converted tensors.

    Raises:
        KeyError: A key matches no rule (another architecture).
        ValueError: An unknown ``mode``.
    """
    if mode == 'metric':
        rules = DA2_METRIC_RULES
    elif mode == 'encoder':
        rules = DA2_ENCODER_RULES
    else:
        raise ValueError(f"mode must be 'metric' or 'encoder', got {mode!r}")
    return apply_key_rules(state_dict, rules, source, log)


def guess_da2_mode(src: str) -> str:
    """``'metric'`` for a file name with ``metric`` in it, else
    ``'encoder'`` (the relative-depth releases)."""
    return 'metric' if 'metric' in osp.basename(src).lower() else 'encoder'


def guess_da2_dataset(src: str) -> Optional[str]:
    """``'hypersim'`` or ``'vkitti'`` from a metric release file name; None
    when the name tells neither or both."""
    name = osp.basename(src).lower()
    found = [d for d in DA2_DATASETS if re.search(d, name)]
    return found[0] if len(found) == 1 else None


def da2_release_config(arch: str,
                       dataset: Optional[str] = None,
                       mode: str = 'metric') -> str:
    """Absolute path of our config for a release.

    Args:
        arch (str): ``'vits'``, ``'vitb'`` or ``'vitl'``.
        dataset (str, optional): ``'hypersim'`` or ``'vkitti'`` (metric).
        mode (str): ``'metric'`` or ``'encoder'``.

    Raises:
        KeyError: For an unknown arch or dataset.
    """
    if arch not in DA2_ARCHS.values():
        raise KeyError(f'unknown Depth Anything V2 arch {arch!r}; known: '
                       f'{sorted(DA2_ARCHS.values())}')
    if mode == 'encoder':
        rel = DA2_ENCODER_CONFIG.format(arch=arch)
    else:
        if dataset not in DA2_DATASETS:
            raise KeyError(f'no Depth Anything V2 metric config for dataset '
                           f'{dataset!r}; known: {sorted(DA2_DATASETS)}')
        rel = f'depth_anything_v2/{arch}_{DA2_DATASETS[dataset]}.py'
    return osp.join(CONFIG_ROOT, rel)


def save_checked_encoder(converted: Dict[str, Tensor], config: str, src: str,
                         dst: str, converter: str) -> None:
    """:func:`~depth.converters.save_checked` for an encoder: load
    ``converted`` strictly into the backbone of ``config``'s model
    (pretrained weights off), then write ``dst`` (``{'meta',
    'state_dict'}``, the layout ``DINOv2ViT(pretrained=dst)`` reads).

    Raises:
        RuntimeError: Listing missing, unexpected and mis-shaped keys.
    """
    from depth.apis import init_model  # apis builds models: import late
    from .release_io import REPO_ROOT, save_converted
    from .strict_load import check_strict_load
    model = init_model(config, None, device='cpu')
    check_strict_load(model.backbone, converted, source=src)
    rel = osp.relpath(config, REPO_ROOT) if osp.isabs(config) else config
    save_converted(
        converted,
        dst,
        meta=dict(
            converted_from=osp.basename(src),
            converter=converter,
            config=rel,
            part='backbone'))
