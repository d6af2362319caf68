"""Depth colouring with a fixed range (after ZoeDepth's ``colorize``).

Colour tables come from OpenCV's built-in colormaps (``cv2.COLORMAP_*``),
so matplotlib is not needed. A trailing ``'_r'`` reverses the table, as in
matplotlib (``'magma_r'``: near is bright, far is dark).
"""
from functools import lru_cache
from typing import Optional, Sequence, Union

import cv2
import numpy as np
import torch


@lru_cache(maxsize=None)
def colormap_lut(cmap: str = 'magma_r') -> np.ndarray:
    """The ``(256, 3)`` uint8 RGB table of a colormap.

    Args:
        cmap (str): An OpenCV colormap name in lower case (``'magma'``,
            ``'inferno'``, ``'plasma'``, ``'viridis'``, ``'turbo'``,
            ``'jet'``, ...) or ``'gray'``, optionally with ``'_r'``
            (reversed). Defaults to 'magma_r'.

    Returns:
        np.ndarray: Read-only ``(256, 3)`` uint8 array, entry ``i`` is the
        colour of normalised value ``i / 255``.
    """
    base, reverse = cmap, False
    if cmap.endswith('_r'):
        base, reverse = cmap[:-2], True
    ramp = np.arange(256, dtype=np.uint8)
    if base in ('gray', 'grey'):
        lut = np.repeat(ramp[:, None], 3, axis=1)
    else:
        code = getattr(cv2, f'COLORMAP_{base.upper()}', None)
        if code is None:
            available = sorted(n[len('COLORMAP_'):].lower() for n in dir(cv2)
                               if n.startswith('COLORMAP_'))
            raise ValueError(f'Unknown colormap {cmap!r}; available: '
                             f'{available + ["gray"]} (add "_r" to '
                             'reverse).')
        bgr = cv2.applyColorMap(ramp.reshape(256, 1), code).reshape(256, 3)
        lut = bgr[:, ::-1]
    if reverse:
        lut = lut[::-1]
    lut = np.ascontiguousarray(lut)
    lut.setflags(write=False)
    return lut


def colorize(
    depth: Union[np.ndarray, torch.Tensor],
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
    cmap: str = 'magma_r',
    invalid_color: Sequence[int] = (128, 128, 128)
) -> np.ndarray:
    """Colour a depth map with a fixed value range.

    Values are mapped linearly from ``[vmin, vmax]`` to the colour table;
    values outside the range take the end colours (the map itself is not
    changed). Pixels that are ``<= 0`` or non-finite are invalid and get
    ``invalid_color``. With a fixed ``vmin``/``vmax`` colours are
    comparable across images (unlike per-image min-max normalisation).

    Args:
        depth (np.ndarray | Tensor): Depth in metres, shape ``(H, W)`` or
            ``(1, H, W)``.
        vmin (float, optional): Depth of the first colour. None: the
            minimum of the valid pixels of this map. Defaults to None.
        vmax (float, optional): Depth of the last colour. None: the
            maximum of the valid pixels of this map. Defaults to None.
        cmap (str): Colormap name, see :func:`colormap_lut`.
            Defaults to 'magma_r'.
        invalid_color (Sequence[int]): RGB colour of invalid pixels.
            Defaults to (128, 128, 128).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB image.
    """
    if isinstance(depth, torch.Tensor):
        depth = depth.detach().cpu().numpy()
    depth = np.asarray(depth, dtype=np.float64)
    if depth.ndim == 3 and depth.shape[0] == 1:
        depth = depth[0]
    if depth.ndim != 2:
        raise ValueError('colorize expects a depth map of shape (H, W) or '
                         f'(1, H, W), got {depth.shape}.')
    valid = np.isfinite(depth) & (depth > 0)
    if vmin is None:
        vmin = float(depth[valid].min()) if valid.any() else 0.
    if vmax is None:
        vmax = float(depth[valid].max()) if valid.any() else 1.
    span = vmax - vmin
    if span <= 0:
        span = 1e-12  # degenerate range: everything maps to one end colour
    norm = np.where(valid, (depth - vmin) / span, 0.)
    index = np.rint(np.clip(norm, 0., 1.) * 255).astype(np.uint8)
    rgb = colormap_lut(cmap)[index]
    rgb[~valid] = np.asarray(invalid_color, dtype=np.uint8)
    return rgb
