"""Rules for the official AdaBins releases (shariqfarooq123/AdaBins).

The releases (``AdaBins_nyu.pt``, ``AdaBins_kitti.pt``) are
``{'model', 'optimizer', 'epoch'}`` files written by the original
``model_io.save_checkpoint`` from a ``DistributedDataParallel`` model, so
every key of ``model`` starts with ``module.``. Only ``model`` is
converted. The model is ``UnetAdaptiveBins``: ``encoder.original_model``
(gen-efficientnet ``tf_efficientnet_b5_ap``), ``decoder`` (``DecoderBN``),
``adaptive_bins_layer`` (``mViT``) and ``conv_out``.

Our model (``configs/adabins/efnetb5_{nyu,kitti}.py``) is the same network
with other names, except for two layouts handled here:

- the decoder's 3x3 convs carry a bias before their BatchNorm in the
  release; ours (mmcv ``ConvModule``) have none. Each bias ``b`` is folded
  into the BatchNorm that follows (:data:`ADABINS_BIAS_FOLDS`):
  ``BN(conv(x) + b) == BN'(conv(x))`` with ``running_mean' =
  running_mean - b`` (exact in evaluation; in training the batch mean
  removes ``b`` anyway);
- the encoder's ``conv_head`` BatchNorm (``bn2``) is unused by the
  original decoder (it takes the raw ``conv_head`` output) and absent from
  our encoder with ``head='conv'``: dropped.

Older releases name two layers differently (the original loader renames
them): ``adaptive_bins_layer.embedding_conv`` (now ``conv3x3``) and
``adaptive_bins_layer.patch_transformer.embedding_encoder`` (now
``embedding_convPxP``). Both spellings are accepted.

The remaining differences from the original code are model options, set
by the recipe configs (``bins_eps=0.1``, ``pos_embed_type='flat'``,
``bottleneck_padding=1``, no test-time padding); see
``configs/adabins/README.md``.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Tuple

from torch import Tensor

from .key_rule import KeyRule, apply_key_rules
from .release_io import CONFIG_ROOT

#: Release name -> our config (relative to ``configs/``).
ADABINS_CONFIGS: Dict[str, str] = {
    'nyu': 'adabins/efnetb5_nyu.py',
    'kitti': 'adabins/efnetb5_kitti.py',
}

#: (conv bias key pattern, replacement giving the BatchNorm prefix) of the
#: biases folded into the following BatchNorm (keys without ``module.``).
ADABINS_BIAS_FOLDS: Tuple[Tuple[str, str], ...] = (
    (r'(decoder\.up\d+\._net\.)0\.bias', r'\g<1>1.'),
    (r'(decoder\.up\d+\._net\.)3\.bias', r'\g<1>4.'),
)

_ENC = r'encoder\.original_model\.'
_BLOCK = _ENC + r'blocks\.(\d+)\.(\d+)\.'
_BN = r'(weight|bias|running_mean|running_var|num_batches_tracked)'
_PT = r'adaptive_bins_layer\.patch_transformer\.'
_VIT = 'decode_head.mini_vit.'

#: Conversion table, applied after :func:`fold_conv_biases` (keys without
#: ``module.``). There is no catch-all: a key of another architecture is an
#: error.
ADABINS_RULES: Tuple[KeyRule, ...] = (
    # Encoder: gen-efficientnet -> timm names; our BatchNorms are split
    # from their activation (``bn1`` -> ``bn1.bn``).
    KeyRule(
        _ENC + r'bn2\.' + _BN,
        None,
        note="conv_head's BatchNorm: unused by the original decoder "
        "(raw conv_head output), absent with head='conv'"),
    KeyRule(_ENC + r'(conv_stem|conv_head)\.weight', r'backbone.\1.weight'),
    KeyRule(
        _ENC + r'bn1\.' + _BN,
        r'backbone.bn1.bn.\1',
        note='BatchNorm split from its activation'),
    KeyRule(
        _BLOCK + r'(bn\d)\.' + _BN,
        r'backbone.blocks.\1.\2.\3.bn.\4',
        note='BatchNorm split from its activation'),
    KeyRule(_BLOCK + r'(conv_dw|conv_pw|conv_pwl)\.weight',
            r'backbone.blocks.\1.\2.\3.weight'),
    KeyRule(_BLOCK + r'se\.(conv_reduce|conv_expand)\.(weight|bias)',
            r'backbone.blocks.\1.\2.se.\3.\4'),
    # Decoder (DecoderBN): conv2 = the 1x1 bottleneck, upK = U-Net block
    # K (conv, BN, LeakyReLU, conv, BN, LeakyReLU), conv3 = final 3x3 conv.
    KeyRule(r'decoder\.conv2\.(weight|bias)',
            r'decode_head.conv_list.0.conv.\1'),
    KeyRule(r'decoder\.up(\d+)\._net\.0\.weight',
            r'decode_head.conv_list.\1.convs.0.conv.weight'),
    KeyRule(r'decoder\.up(\d+)\._net\.1\.' + _BN,
            r'decode_head.conv_list.\1.convs.0.bn.\2'),
    KeyRule(r'decoder\.up(\d+)\._net\.3\.weight',
            r'decode_head.conv_list.\1.convs.1.conv.weight'),
    KeyRule(r'decoder\.up(\d+)\._net\.4\.' + _BN,
            r'decode_head.conv_list.\1.convs.1.bn.\2'),
    KeyRule(r'decoder\.conv3\.(weight|bias)',
            r'decode_head.decode_final_conv.\1'),
    # mViT.
    KeyRule(
        _PT + r'(?:embedding_convPxP|embedding_encoder)\.(weight|bias)',
        _VIT + r'patch_embed.\1',
        note='embedding_encoder: older releases'),
    KeyRule(
        _PT + r'positional_encodings',
        _VIT + 'pos_embed',
        note="flat table (pos_embed_type='flat')"),
    KeyRule(_PT + r'transformer_encoder\.layers\.(\d+)\.(.+)',
            _VIT + r'encoder.layers.\1.\2'),
    KeyRule(
        r'adaptive_bins_layer\.(?:conv3x3|embedding_conv)\.'
        r'(weight|bias)',
        _VIT + r'conv3x3.\1',
        note='embedding_conv: older releases'),
    KeyRule(r'adaptive_bins_layer\.regressor\.(\d+)\.(weight|bias)',
            _VIT + r'regressor.\1.\2'),
    KeyRule(
        r'conv_out\.0\.(weight|bias)',
        r'decode_head.conv_out.\1',
        note='the Softmax (conv_out.1) has no tensors'),
)


def fold_conv_biases(state_dict: Dict[str, Tensor],
                     folds=ADABINS_BIAS_FOLDS,
                     source: str = 'checkpoint',
                     log: Optional[List[str]] = None) -> Dict[str, Tensor]:
    """Fold the conv biases matched by ``folds`` into the BatchNorm after
    each conv.

    ``BN(y + b) = (y + b - mean) / sqrt(var + eps) * w + beta``, so removing
    ``b`` and setting ``running_mean' = running_mean - b`` gives the same
    output (in training mode the batch mean removes ``b`` as well).

    Args:
        state_dict (dict[str, Tensor]): Release tensors (no ``module.``).
        folds (Sequence[tuple[str, str]]): ``(bias pattern, BatchNorm
            prefix replacement)`` pairs, e.g. :data:`ADABINS_BIAS_FOLDS`.
        source (str): Name of the source (for messages).
        log (list[str], optional): Receives one line per folded bias.

    Returns:
        dict[str, Tensor]: A new dict without the folded biases and with the
        shifted running means (other tensors shared, not copied).

    Raises:
        KeyError: A bias has no BatchNorm ``running_mean`` after it, or its
            shape differs from the BatchNorm's.
    """
    out = dict(state_dict)
    for key in state_dict:
        for pattern, repl in folds:
            m = re.fullmatch(pattern, key)
            if m is None:
                continue
            bn_mean = m.expand(repl) + 'running_mean'
            bias = out.pop(key)
            if bn_mean not in out:
                raise KeyError(f'{source}: conv bias {key!r} has no '
                               f'BatchNorm {bn_mean!r} to fold into')
            mean = out[bn_mean]
            if mean.shape != bias.shape:
                raise KeyError(
                    f'{source}: conv bias {key!r} {tuple(bias.shape)} does '
                    f'not fit {bn_mean!r} {tuple(mean.shape)}')
            out[bn_mean] = (mean.double() - bias.double()).to(mean.dtype)
            if log is not None:
                log.append(f'fold   {key} into {bn_mean}')
            break
    return out


def convert_adabins_state_dict(
        state_dict: Dict[str, Tensor],
        source: str = 'checkpoint',
        log: Optional[List[str]] = None) -> Dict[str, Tensor]:
    """Convert the ``model`` state dict of an official AdaBins release.

    Args:
        state_dict (dict[str, Tensor]): Without ``module.`` prefixes (see
            :func:`~depth.converters.unwrap_state_dict`).
        source (str): Name of the source (for messages).
        log (list[str], optional): Receives one line per folded, renamed or
            dropped key.

    Returns:
        dict[str, Tensor]: Tensors named as in our AdaBins model.

    Raises:
        KeyError: A key matches no rule (another architecture), or a bias
            cannot be folded.
    """
    folded = fold_conv_biases(state_dict, ADABINS_BIAS_FOLDS, source, log)
    return apply_key_rules(folded, ADABINS_RULES, source, log)


def guess_adabins_dataset(src: str) -> Optional[str]:
    """``'nyu'`` or ``'kitti'`` from a release file name
    (``AdaBins_kitti.pt`` -> ``'kitti'``); None when the name tells neither
    or both."""
    name = osp.basename(src).lower()
    found = [d for d in ADABINS_CONFIGS if d in name]
    return found[0] if len(found) == 1 else None


def adabins_release_config(dataset: str) -> str:
    """Absolute path of our config for the ``dataset`` release.

    Raises:
        KeyError: For a dataset other than those of
            :data:`ADABINS_CONFIGS`.
    """
    if dataset not in ADABINS_CONFIGS:
        raise KeyError(f'no AdaBins release config for {dataset!r}; known: '
                       f'{sorted(ADABINS_CONFIGS)}')
    return osp.join(CONFIG_ROOT, ADABINS_CONFIGS[dataset])
