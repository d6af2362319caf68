"""Sine positional encoding of a feature map (DETR style)."""
import math
from typing import Optional

import torch
from mmengine.model import BaseModule
from torch import Tensor

from depth.registry import MODELS


@MODELS.register_module()
class SinePositionalEncoding(BaseModule):
    """2-D sine/cosine positional encoding (DETR).

    Pixel ``(i, j)`` of a map gets the cumulative counts of valid pixels
    ``y = sum_{i' <= i} valid``, ``x = sum_{j' <= j} valid`` (so ``1..H`` and
    ``1..W`` without padding), optionally normalised to
    ``(y + offset) / (y_last + eps) * scale``. With ``dim_t[k] =
    temperature ** (2 * (k // 2) / num_feats)`` for ``k < num_feats``, the
    encoding is ``cat(pos_y, pos_x)`` where ``pos_y`` interleaves
    ``sin(y / dim_t[0::2])`` and ``cos(y / dim_t[1::2])`` (same for x):
    ``2 * num_feats`` channels. Computed in float32.

    Args:
        num_feats (int): Features per axis (output has ``2 * num_feats``).
        temperature (int): Wavelength base. Defaults to 10000.
        normalize (bool): Normalise the positions to ``[0, scale]``.
            Defaults to False.
        scale (float): Used when ``normalize``. Defaults to ``2 * pi``.
        eps (float): Used when ``normalize``. Defaults to 1e-6.
        offset (float): Used when ``normalize``. Defaults to 0.
        init_cfg (dict, optional): Unused (no parameters).
    """

    def __init__(self,
                 num_feats: int,
                 temperature: int = 10000,
                 normalize: bool = False,
                 scale: float = 2 * math.pi,
                 eps: float = 1e-6,
                 offset: float = 0.,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_feats <= 0 or num_feats % 2 != 0:
            raise ValueError('SinePositionalEncoding: num_feats must be a '
                             f'positive even number, got {num_feats}')
        self.num_feats = num_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = scale
        self.eps = eps
        self.offset = offset

    def forward(self, mask: Tensor) -> Tensor:
        """Encode the positions of a (padding) mask.

        Args:
            mask (Tensor): ``(N, H, W)``, non-zero / True where the pixel is
                padding (not counted).

        Returns:
            Tensor: ``(N, 2 * num_feats, H, W)`` float32.
        """
        if mask.dim() != 3:
            raise ValueError('SinePositionalEncoding expects a (N, H, W) '
                             f'mask, got shape {tuple(mask.shape)}')
        not_mask = 1 - mask.to(torch.int)
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            y_embed = (y_embed + self.offset) / (y_embed[:, -1:, :] +
                                                 self.eps) * self.scale
            x_embed = (x_embed + self.offset) / (x_embed[:, :, -1:] +
                                                 self.eps) * self.scale
        dim_t = torch.arange(
            self.num_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature**(2 * (dim_t // 2) / self.num_feats)
        pos_x = x_embed[..., None] / dim_t
        pos_y = y_embed[..., None] / dim_t
        n, h, w = mask.shape
        pos_x = torch.stack((pos_x[..., 0::2].sin(), pos_x[..., 1::2].cos()),
                            dim=4).view(n, h, w, -1)
        pos_y = torch.stack((pos_y[..., 0::2].sin(), pos_y[..., 1::2].cos()),
                            dim=4).view(n, h, w, -1)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_feats={self.num_feats}, '
                f'temperature={self.temperature}, '
                f'normalize={self.normalize}, scale={self.scale}, '
                f'eps={self.eps})')
