"""DINOv2 vision transformer (timm) with DINOv2's own positional-embedding
interpolation, returning intermediate layers as Depth Anything V2 uses
them."""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import timm
import torch
import torch.nn.functional as F
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS
from depth.utils import OptMultiConfig
from ..utils import check_pretrained_file

#: Short names -> (timm model, Depth Anything V2's intermediate layers).
DINOV2_ARCHS: Dict[str, Tuple[str, Tuple[int, ...]]] = {
    'vits': ('vit_small_patch14_dinov2', (2, 5, 8, 11)),
    'vitb': ('vit_base_patch14_dinov2', (2, 5, 8, 11)),
    'vitl': ('vit_large_patch14_dinov2', (4, 11, 17, 23)),
}


def dinov2_interpolate_pos_embed(pos_embed: Tensor,
                                 height: int,
                                 width: int,
                                 patch_size: int,
                                 num_tokens: int,
                                 offset: float = 0.1,
                                 antialias: bool = False) -> Tensor:
    """Positional embedding of DINOv2's ``interpolate_pos_encoding``.

    The patch table (a square grid of ``sqrt(N)`` x ``sqrt(N)``) is resized
    by bicubic interpolation with the *scale factors*
    ``((H // p + offset) / sqrt(N), (W // p + offset) / sqrt(N))``, not to a
    target size: the output has ``H // p`` x ``W // p`` entries, but the
    sampling positions follow the scale factors, so the values differ from
    a plain resize to that size (timm's ``resample_abs_pos_embed``). The
    table is returned unchanged when the token count equals the table's
    and the image is square (``H == W``), as in DINOv2.

    Args:
        pos_embed (Tensor): ``(1, 1 + N, C)``: class-token entry first.
        height (int): Image height ``H`` in pixels.
        width (int): Image width ``W`` in pixels.
        patch_size (int): Patch size ``p``.
        num_tokens (int): Tokens of the image, ``1 + (H // p) * (W // p)``.
        offset (float): DINOv2's ``interpolate_offset``. Defaults to 0.1.
        antialias (bool): DINOv2's ``interpolate_antialias``. Defaults to
            False.

    Returns:
        Tensor: ``(1, 1 + (H // p) * (W // p), C)``, of ``pos_embed``'s
        dtype.
    """
    num_patches = num_tokens - 1
    n = pos_embed.shape[1] - 1
    if num_patches == n and height == width:
        return pos_embed
    side = int(math.sqrt(n))
    if side * side != n:
        raise ValueError(f'DINOv2 positional table of {n} patch entries is '
                         'not a square grid')
    dtype = pos_embed.dtype
    pos = pos_embed.float()
    cls_pos, patch_pos = pos[:, 0], pos[:, 1:]
    dim = pos.shape[-1]
    h0 = height // patch_size + offset
    w0 = width // patch_size + offset
    sqrt_n = math.sqrt(n)
    patch_pos = F.interpolate(
        patch_pos.reshape(1, side, side, dim).permute(0, 3, 1, 2),
        scale_factor=(float(h0) / sqrt_n, float(w0) / sqrt_n),
        mode='bicubic',
        antialias=antialias)
    if patch_pos.shape[-2:] != (int(h0), int(w0)):
        raise RuntimeError(
            f'DINOv2 positional interpolation gave {tuple(patch_pos.shape)} '
            f'for a {int(h0)}x{int(w0)} patch grid (offset {offset})')
    patch_pos = patch_pos.permute(0, 2, 3, 1).reshape(1, -1, dim)
    return torch.cat((cls_pos.unsqueeze(0), patch_pos), dim=1).to(dtype)


@MODELS.register_module()
class DINOv2ViT(BaseModule):
    """DINOv2 ViT (timm's ``vit_*_patch14_dinov2``) for dense prediction.

    The transformer is timm's (same parameter names as the original
    DINOv2: ``cls_token``, ``pos_embed``, ``patch_embed.proj``,
    ``blocks.i.{norm1,attn.qkv,attn.proj,ls1,norm2,mlp.fc1,mlp.fc2,ls2}``,
    ``norm``), run as DINOv2's ``get_intermediate_layers(x, out_indices,
    return_class_token=True)``: the outputs of the blocks ``out_indices``,
    each passed through the final ``norm``, split into the class token and
    the patch tokens. The positional embedding is interpolated as DINOv2
    does (:func:`dinov2_interpolate_pos_embed`), which differs from timm's
    resize.

    Pretrained weights come only from a local file (``pretrained``), in
    this layout (e.g. an encoder converted by
    ``tools/model_converters/depth_anything_v2_to_depth.py``); nothing is
    ever downloaded. They are loaded strictly by :meth:`init_weights`.

    Args:
        arch (str): ``'vits'``, ``'vitb'`` or ``'vitl'`` (see
            :data:`DINOV2_ARCHS`); ignored when ``model_name`` is given.
            Defaults to 'vitl'.
        model_name (str, optional): A timm DINOv2 model name; its
            architecture may be changed with ``**kwargs`` (``embed_dim``,
            ``depth``, ``num_heads``, ``img_size``...).
        out_indices (Sequence[int], optional): Blocks whose outputs are
            returned. Defaults to Depth Anything V2's layers of ``arch``
            (vits/vitb ``(2, 5, 8, 11)``, vitl ``(4, 11, 17, 23)``).
        pretrained (str, optional): Local checkpoint of the transformer
            (a state dict, or ``{'state_dict': ...}``; a ``backbone.``
            prefix is removed). Defaults to None.
        interpolate_offset (float): DINOv2's offset added to the patch grid
            before computing the scale factors. Defaults to 0.1.
        interpolate_antialias (bool): Antialiased bicubic interpolation of
            the positional table. Defaults to False (as Depth Anything V2).
        init_cfg (dict, optional): Initialisation config.
        **kwargs: Passed to ``timm.create_model`` (``drop_path_rate``...).

    Attributes:
        embed_dim (int): Channels ``C`` of every output.
        patch_size (int): Patch size ``p`` (14).

    Shapes:
        input ``(N, 3, H, W)``; output a tuple with one ``(patch_tokens,
        cls_token)`` pair per entry of ``out_indices``: ``patch_tokens``
        ``(N, C, H // p, W // p)`` (the tokens on their grid) and
        ``cls_token`` ``(N, C)``.
    """

    def __init__(self,
                 arch: Optional[str] = 'vitl',
                 model_name: Optional[str] = None,
                 out_indices: Optional[Sequence[int]] = None,
                 pretrained: Optional[str] = None,
                 interpolate_offset: float = 0.1,
                 interpolate_antialias: bool = False,
                 init_cfg: OptMultiConfig = None,
                 **kwargs) -> None:
        super().__init__(init_cfg=init_cfg)
        check_pretrained_file(
            'DINOv2ViT',
            pretrained,
            remedy='convert one with '
            'tools/model_converters/depth_anything_v2_to_depth.py')
        if model_name is None:
            if arch not in DINOV2_ARCHS:
                raise KeyError(f'DINOv2ViT: unknown arch {arch!r}; known: '
                               f'{sorted(DINOV2_ARCHS)} (or give model_name)')
            model_name, default_indices = DINOV2_ARCHS[arch]
        else:
            default_indices = None
        if out_indices is None:
            if default_indices is None:
                raise ValueError('DINOv2ViT: give out_indices with a custom '
                                 f'model_name ({model_name})')
            out_indices = default_indices
        vit = timm.create_model(
            model_name, pretrained=False, num_classes=0, **kwargs)
        if getattr(vit, 'reg_token', None) is not None or getattr(
                vit, 'no_embed_class', False):
            raise ValueError(f'DINOv2ViT: {model_name} has register tokens '
                             'or no class entry in its positional table; '
                             'only the plain DINOv2 layout is supported')
        depth = len(vit.blocks)
        self.out_indices = tuple(int(i) for i in out_indices)
        bad = [i for i in self.out_indices if not 0 <= i < depth]
        if bad or not self.out_indices:
            raise ValueError(f'DINOv2ViT: out_indices {list(out_indices)} '
                             f'must be blocks of the {depth}-block '
                             f'{model_name}')
        self.model_name = model_name
        self.pretrained = pretrained
        self.interpolate_offset = interpolate_offset
        self.interpolate_antialias = interpolate_antialias
        self.embed_dim = vit.embed_dim
        self.patch_size = vit.patch_embed.patch_size[0]
        # The parts DINOv2's get_intermediate_layers uses, under DINOv2's
        # names (timm's head, fc_norm and pooling are not needed).
        self.patch_embed = vit.patch_embed
        self.cls_token = vit.cls_token
        self.pos_embed = vit.pos_embed
        # All blocks are kept (checkpoints hold them); those after the last
        # of out_indices are not run.
        self.blocks = vit.blocks
        self.norm = vit.norm

    def init_weights(self) -> None:
        """Random initialisation (timm's), or the ``pretrained`` file loaded
        strictly."""
        super().init_weights()
        if self.pretrained is None:
            return
        ckpt = torch.load(
            self.pretrained, map_location='cpu', weights_only=True)
        if isinstance(ckpt, dict) and isinstance(ckpt.get('state_dict'), dict):
            ckpt = ckpt['state_dict']
        if not isinstance(ckpt, dict):
            raise ValueError(f'DINOv2ViT: {self.pretrained} holds no state '
                             'dict')
        if ckpt and all(k.startswith('backbone.') for k in ckpt):
            ckpt = {k[len('backbone.'):]: v for k, v in ckpt.items()}
        own = self.state_dict()
        missing = sorted(set(own) - set(ckpt))
        unexpected = sorted(set(ckpt) - set(own))
        if missing or unexpected:
            raise KeyError(
                f'DINOv2ViT: {self.pretrained} does not fit {self.model_name}'
                f' (blocks 0..{len(self.blocks) - 1}): {len(missing)} '
                f'missing {missing[:10]}, {len(unexpected)} unexpected '
                f'{unexpected[:10]}')
        self.load_state_dict(ckpt, strict=True)
        print_log(
            f'DINOv2ViT: loaded {self.model_name} weights from '
            f'{self.pretrained}',
            logger='current')

    def interpolate_pos_encoding(self, num_tokens: int, height: int,
                                 width: int) -> Tensor:
        """``(1, num_tokens, C)`` positional embedding of an ``H x W``
        image (see :func:`dinov2_interpolate_pos_embed`)."""
        return dinov2_interpolate_pos_embed(
            self.pos_embed,
            height,
            width,
            self.patch_size,
            num_tokens,
            offset=self.interpolate_offset,
            antialias=self.interpolate_antialias)

    def prepare_tokens(self, x: Tensor) -> Tensor:
        """Patch tokens with the class token prepended and the positional
        embedding added: ``(N, 3, H, W)`` -> ``(N, 1 + h * w, C)``."""
        _, _, height, width = x.shape
        tokens = self.patch_embed.proj(x).flatten(2).transpose(1, 2)
        tokens = self.patch_embed.norm(tokens)
        tokens = torch.cat(
            (self.cls_token.expand(tokens.shape[0], -1, -1), tokens), dim=1)
        return tokens + self.interpolate_pos_encoding(tokens.shape[1], height,
                                                      width)

    def forward(self, x: Tensor) -> Tuple[Tuple[Tensor, Tensor], ...]:
        """Normalised outputs of the ``out_indices`` blocks.

        Args:
            x (Tensor): ``(N, 3, H, W)``; a border of ``H % p`` rows and
                ``W % p`` columns is ignored by the patch embedding.

        Returns:
            tuple[tuple[Tensor, Tensor]]: ``(patch_tokens (N, C, H // p,
            W // p), cls_token (N, C))`` per output block.
        """
        if x.dim() != 4:
            raise ValueError(f'DINOv2ViT expects (N, 3, H, W) images, got '
                             f'shape {tuple(x.shape)}')
        n, _, height, width = x.shape
        h, w = height // self.patch_size, width // self.patch_size
        if h == 0 or w == 0:
            raise ValueError(f'DINOv2ViT: a {height}x{width} image is '
                             f'smaller than one {self.patch_size}-pixel '
                             'patch')
        tokens = self.prepare_tokens(x)
        outs: List[Tuple[Tensor, Tensor]] = []
        last = max(self.out_indices)
        for i, block in enumerate(self.blocks):
            if i > last:
                break
            tokens = block(tokens)
            if i in self.out_indices:
                out = self.norm(tokens)
                patches = out[:, 1:].reshape(n, h, w, -1).permute(0, 3, 1, 2)
                outs.append((patches.contiguous(), out[:, 0]))
        return tuple(outs)

    @property
    def out_channels(self) -> List[int]:
        """Channels of each output (the embedding width)."""
        return [self.embed_dim] * len(self.out_indices)
