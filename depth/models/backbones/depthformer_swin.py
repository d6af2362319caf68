"""DepthFormer's hybrid encoder: a Swin Transformer plus a ResNet-style
convolutional stem (DepthFormer Sec. 3.1)."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import ConfigType, OptMultiConfig
from .swin_layers import (PatchEmbed, SwinStage, convert_swin_state_dict,
                          resize_rel_pos_bias_table)


def _load_state_dict_file(path: str) -> Dict[str, Tensor]:
    """Read a checkpoint file and unwrap it to a flat tensor dict."""
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        ckpt = load_file(path)
    else:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    for wrapper in ('state_dict', 'model', 'module'):
        if isinstance(ckpt, dict) and isinstance(ckpt.get(wrapper), dict):
            ckpt = ckpt[wrapper]
    if not isinstance(ckpt, dict):
        raise TypeError(f'{path}: expected a state dict, got {type(ckpt)}')
    keys = list(ckpt)
    if keys and all(k.startswith('module.') for k in keys):
        ckpt = {k[len('module.'):]: v for k, v in ckpt.items()}
    if any(k.startswith('backbone.') for k in ckpt):
        # a whole-model checkpoint: keep the backbone
        ckpt = {
            k[len('backbone.'):]: v
            for k, v in ckpt.items() if k.startswith('backbone.')
        }
    return ckpt


@MODELS.register_module()
class DepthFormerSwin(BaseModule):
    """DepthFormer encoder: Swin Transformer + a convolution branch.

    The Swin branch (Liu et al. 2021) gives four hierarchical features at
    strides 4, 8, 16 and 32 with ``C, 2C, 4C, 8C`` channels, each followed
    by a LayerNorm (``norm0`` ... ``norm3``). The convolution branch of
    DepthFormer (Li et al. 2022) keeps high-resolution local detail: a 7x7
    stride-2 conv to ``conv_channels`` (64) + BN + ReLU, trained from
    scratch. Outputs, finest first::

        [conv (64, H/2), swin0 (C, H/4), swin1 (2C, H/8),
         swin2 (4C, H/16), swin3 (8C, H/32)]

    Any input size works: the patch embedding pads to a multiple of the
    patch size and each block pads to a multiple of the window (the
    detection/segmentation Swin scheme), so 352x704, 352x1216 and 480x640
    run with window 7. For inputs that are multiples of 32 the output
    strides are exact.

    Pretrained weights come only from the local file ``pretrained``
    (loaded by :meth:`init_weights`, i.e. when training starts): official
    Swin release checkpoints (``swin_{tiny,large}_patch4_window7_224
    {,_22k}.pth``, keys inside ``'model'``), timm checkpoints, or mmseg-style
    Swin backbones, converted automatically; ``relative_position_bias_table``
    is resized bicubically when the window differs. Missing and unexpected
    keys are reported with :func:`print_log`.

    Args:
        pretrain_img_size (int): Image size of the pretrained model (sizes
            the absolute position embedding). Defaults to 224.
        in_channels (int): Input channels. Defaults to 3.
        embed_dims (int): ``C``. Defaults to 96 (Swin-T); 192 for Swin-L.
        patch_size (int): Patch size. Defaults to 4.
        window_size (int): Window side. Defaults to 7.
        mlp_ratio (float): MLP hidden width ratio. Defaults to 4.
        depths (Sequence[int]): Blocks per stage. Defaults to (2, 2, 6, 2).
        num_heads (Sequence[int]): Heads per stage. Defaults to (3, 6, 12,
            24).
        out_indices (Sequence[int]): Swin stages to output. Defaults to
            (0, 1, 2, 3).
        qkv_bias (bool): Bias in qkv. Defaults to True.
        qk_scale (float, optional): Overrides ``head_dim ** -0.5``.
        patch_norm (bool): LayerNorm after the patch embedding. Defaults to
            True.
        drop_rate (float): Dropout rate. Defaults to 0.
        attn_drop_rate (float): Attention dropout. Defaults to 0.
        drop_path_rate (float): Stochastic depth, linearly increasing over
            all blocks from 0 to this value. Defaults to 0.3 (DepthFormer).
        use_abs_pos_embed (bool): Learned absolute position embedding
            (interpolated to the input). Defaults to False.
        conv_channels (int, optional): Channels of the conv branch.
            Defaults to 64. None builds no conv branch: a plain Swin
            (the original toolbox's ``SwinTransformer``, used by
            BinsFormer) whose outputs are the Swin levels only.
        conv_norm_cfg (dict): Norm of the conv branch. Defaults to BN.
        with_cp (bool): Gradient checkpointing of the Swin blocks (saves
            memory, costs a second forward). Defaults to False.
        pretrained (str, optional): Local checkpoint path. Defaults to None.
        init_cfg (dict, optional): Initialisation config.

    Shapes:
        input ``(N, in_channels, H, W)``; outputs as listed above;
        attribute ``out_channels`` gives their channels.
    """

    def __init__(self,
                 pretrain_img_size: int = 224,
                 in_channels: int = 3,
                 embed_dims: int = 96,
                 patch_size: int = 4,
                 window_size: int = 7,
                 mlp_ratio: float = 4.,
                 depths: Sequence[int] = (2, 2, 6, 2),
                 num_heads: Sequence[int] = (3, 6, 12, 24),
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 qkv_bias: bool = True,
                 qk_scale: Optional[float] = None,
                 patch_norm: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.3,
                 use_abs_pos_embed: bool = False,
                 conv_channels: Optional[int] = 64,
                 conv_norm_cfg: ConfigType = dict(
                     type='BN', requires_grad=True),
                 with_cp: bool = False,
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if isinstance(pretrained, bool) or not (pretrained is None or
                                                isinstance(pretrained, str)):
            raise TypeError('DepthFormerSwin: `pretrained` must be a local '
                            f'file path or None, got {pretrained!r}')
        if len(depths) != len(num_heads):
            raise ValueError('DepthFormerSwin: depths and num_heads differ in '
                             f'length: {list(depths)} vs {list(num_heads)}')
        num_stages = len(depths)
        if not out_indices or any(i < 0 or i >= num_stages
                                  for i in out_indices):
            raise ValueError(f'DepthFormerSwin: out_indices {out_indices} '
                             f'must be in [0, {num_stages})')
        self.pretrained = pretrained
        self.embed_dims = embed_dims
        self.window_size = window_size
        self.out_indices = tuple(out_indices)
        self.use_abs_pos_embed = use_abs_pos_embed

        # convolution branch
        self.with_conv_branch = conv_channels is not None
        self.bn1_name = 'bn1'
        if self.with_conv_branch:
            self.conv1 = nn.Conv2d(
                in_channels, conv_channels, 7, stride=2, padding=3, bias=False)
            self.bn1_name, bn1 = build_norm_layer(
                conv_norm_cfg, conv_channels, postfix=1)
            self.add_module(self.bn1_name, bn1)
            self.relu = nn.ReLU(inplace=True)

        # Swin branch
        self.patch_embed = PatchEmbed(in_channels, embed_dims, patch_size,
                                      patch_norm)
        if use_abs_pos_embed:
            side = pretrain_img_size // patch_size
            self.absolute_pos_embed = nn.Parameter(
                torch.zeros(1, embed_dims, side, side))
        self.pos_drop = nn.Dropout(drop_rate)
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        self.num_features = [embed_dims * 2**i for i in range(num_stages)]
        self.layers = nn.ModuleList()
        for i in range(num_stages):
            start = sum(depths[:i])
            self.layers.append(
                SwinStage(
                    dim=self.num_features[i],
                    depth=depths[i],
                    num_heads=num_heads[i],
                    window_size=window_size,
                    drop_paths=dpr[start:start + depths[i]],
                    downsample=i < num_stages - 1,
                    with_cp=with_cp,
                    mlp_ratio=mlp_ratio,
                    qkv_bias=qkv_bias,
                    qk_scale=qk_scale,
                    drop=drop_rate,
                    attn_drop=attn_drop_rate))
        for i in self.out_indices:
            self.add_module(f'norm{i}', nn.LayerNorm(self.num_features[i]))
        self.out_channels = [conv_channels] * self.with_conv_branch + [
            self.num_features[i] for i in self.out_indices
        ]

    @property
    def conv_norm(self) -> nn.Module:
        """The conv branch's norm layer (``bn1`` for BN)."""
        return getattr(self, self.bn1_name)

    # ------------------------------------------------------------------ init
    def init_weights(self) -> None:
        """Swin init (truncated normal 0.02 for Linear and the bias tables,
        LayerNorm 1/0), then the pretrained Swin weights if ``pretrained``
        is set. The conv branch keeps PyTorch's default initialisation."""
        if self.init_cfg is not None:
            super().init_weights()
        for name, m in self.named_modules():
            if name.startswith(('conv1', self.bn1_name)):
                continue
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.LayerNorm):
                nn.init.constant_(m.weight, 1.0)
                nn.init.constant_(m.bias, 0)
        for name, p in self.named_parameters():
            if name.endswith('relative_position_bias_table') or \
                    name == 'absolute_pos_embed':
                nn.init.trunc_normal_(p, std=.02)
        if self.pretrained is not None:
            self.load_pretrained(self.pretrained)
        self._is_init = True

    def load_pretrained(self, path: str) -> Dict[str, List[str]]:
        """Load Swin weights from a local checkpoint (any supported layout).

        Returns:
            dict with ``missing`` (Swin parameters the checkpoint lacks),
            ``new`` (layers an ImageNet checkpoint never has: the conv
            branch and the output norms), ``unexpected`` (checkpoint keys
            not used, e.g. the classifier ``head`` and final ``norm``) and
            ``mismatched`` (shape mismatches, skipped).
        """
        if not osp.isfile(path):
            raise FileNotFoundError(
                f'DepthFormerSwin: pretrained checkpoint {path!r} does not '
                'exist (weights are never downloaded: put the file there, see '
                'configs/depthformer/README.md, or set '
                'model.backbone.pretrained=None)')
        state, layout = convert_swin_state_dict(_load_state_dict_file(path))
        own = self.state_dict()
        mismatched = []
        if 'absolute_pos_embed' in state and 'absolute_pos_embed' in own:
            ape = state['absolute_pos_embed']
            if ape.dim() == 3:  # official (1, L, C)
                side = int(round(ape.shape[1]**0.5))
                ape = ape.view(1, side, side, -1).permute(0, 3, 1, 2)
            if ape.shape[2:] != own['absolute_pos_embed'].shape[2:]:
                ape = F.interpolate(
                    ape,
                    size=own['absolute_pos_embed'].shape[2:],
                    mode='bicubic',
                    align_corners=False)
            state['absolute_pos_embed'] = ape
        for key in [
                k for k in state if k.endswith('relative_position_bias_table')
        ]:
            if key in own and state[key].shape != own[key].shape:
                if state[key].shape[1] != own[key].shape[1]:
                    continue  # heads differ: reported as mismatched below
                print_log(
                    f'DepthFormerSwin: resizing {key} '
                    f'{tuple(state[key].shape)} -> {tuple(own[key].shape)} '
                    '(bicubic, window size differs)',
                    logger='current')
                state[key] = resize_rel_pos_bias_table(state[key],
                                                       own[key].shape[0])
        to_load = {}
        for key, val in state.items():
            if key not in own:
                continue
            if val.shape != own[key].shape:
                mismatched.append(f'{key}: checkpoint {tuple(val.shape)} vs '
                                  f'model {tuple(own[key].shape)}')
                continue
            to_load[key] = val
        self.load_state_dict(to_load, strict=False)
        new_prefixes = ('conv1.', f'{self.bn1_name}.') + tuple(
            f'norm{i}.' for i in self.out_indices)
        not_loaded = [k for k in own if k not in to_load]
        report = dict(
            missing=[k for k in not_loaded if not k.startswith(new_prefixes)],
            new=[k for k in not_loaded if k.startswith(new_prefixes)],
            unexpected=[k for k in state if k not in own],
            mismatched=mismatched)
        print_log(
            f'DepthFormerSwin: loaded {len(to_load)} tensors from {path} '
            f'({layout} Swin layout)',
            logger='current')
        print_log(
            'DepthFormerSwin: not in the checkpoint, trained from scratch '
            f'(conv branch, output norms): {report["new"]}',
            logger='current')
        if report['unexpected']:
            print_log(
                'DepthFormerSwin: unexpected keys (unused, e.g. the ImageNet '
                f'classifier): {report["unexpected"]}',
                logger='current')
        if report['missing'] or report['mismatched']:
            print_log(
                f'DepthFormerSwin: MISSING Swin keys {report["missing"]}; '
                f'shape mismatches (skipped) {report["mismatched"]}. Check '
                'that the checkpoint matches embed_dims/depths/num_heads.',
                logger='current',
                level=30)
        return report

    # --------------------------------------------------------------- forward
    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """``(N, C_in, H, W)`` -> tuple of 5 maps (see class docstring)."""
        if x.dim() != 4:
            raise ValueError('DepthFormerSwin expects (N, C, H, W) input, '
                             f'got shape {tuple(x.shape)}')
        outs = [self.relu(self.conv_norm(self.conv1(x)))
                ] if self.with_conv_branch else []
        x = self.patch_embed(x)  # (N, H/4, W/4, C)
        if self.use_abs_pos_embed:
            ape = self.absolute_pos_embed
            if ape.shape[2:] != x.shape[1:3]:
                ape = F.interpolate(
                    ape,
                    size=x.shape[1:3],
                    mode='bicubic',
                    align_corners=False)
            x = x + ape.permute(0, 2, 3, 1)
        x = self.pos_drop(x)
        for i, layer in enumerate(self.layers):
            x, out = layer(x)
            if i in self.out_indices:
                out = getattr(self, f'norm{i}')(out)
                outs.append(out.permute(0, 3, 1, 2).contiguous())
        return tuple(outs)
