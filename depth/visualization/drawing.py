"""Drawing helpers with OpenCV only: colour bars in metres, titles, text
lines and error maps for depth panels.

All images are ``(H, W, 3)`` uint8 RGB.
"""
import math
from typing import List, Optional, Sequence

import cv2
import numpy as np

from .colormap import colorize, colormap_lut

_FONT = cv2.FONT_HERSHEY_SIMPLEX
_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)


def _text_scale(height: int) -> float:
    """Font scale for an image of ``height`` rows (0.4 at 240 rows,
    growing with the image, so labels stay readable on large photos)."""
    return float(np.clip(height / 600., 0.35, 3.))


def nice_ticks(vmin: float, vmax: float, num: int = 5) -> List[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) inside
    ``[vmin, vmax]``, about ``num`` of them; the two ends when the range
    is degenerate.

    Args:
        vmin, vmax (float): The range.
        num (int): Wanted number of ticks. Defaults to 5.
    """
    span = float(vmax) - float(vmin)
    if not math.isfinite(span) or span <= 0:
        return [float(vmin)]
    raw = span / max(num - 1, 1)
    mag = 10**math.floor(math.log10(raw))
    step = mag * min((m for m in (1, 2, 2.5, 5, 10) if m * mag >= raw))
    first = math.ceil(vmin / step - 1e-9) * step
    ticks = []
    value = first
    while value <= vmax + 1e-9 * step:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _format(value: float, step: float) -> str:
    decimals = max(0, -int(math.floor(math.log10(step)))) if step > 0 else 2
    decimals = min(decimals + (1 if step * 10**decimals % 1 else 0), 4)
    return f'{value:.{decimals}f}'


def colorbar(height: int,
             vmin: float,
             vmax: float,
             cmap: str = 'magma_r',
             unit: str = 'm',
             width: Optional[int] = None) -> np.ndarray:
    """A vertical colour bar with labelled ticks: ``vmax`` at the top,
    ``vmin`` at the bottom, values in ``unit``.

    Args:
        height (int): Height of the bar image (that of the panel).
        vmin, vmax (float): Values of the first and last colour.
        cmap (str): Colormap, see :func:`colormap_lut`.
            Defaults to 'magma_r'.
        unit (str): Unit written after the top label. Defaults to 'm'.
        width (int, optional): Width of the whole bar image (bar and
            labels). None: from the height and the label lengths.

    Returns:
        np.ndarray: ``(height, width, 3)`` uint8 RGB, white background.
    """
    height = int(height)
    scale = _text_scale(height)
    thick = max(1, int(round(scale * 1.5)))
    margin = max(4, int(round(8 * scale)))
    bar_w = max(6, int(round(16 * scale)))
    ticks = nice_ticks(vmin, vmax)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else abs(vmax - vmin) or 1.
    labels = [_format(t, step) for t in ticks]
    if labels:
        labels[-1] += f' {unit}'
    text_w = max(
        [cv2.getTextSize(s, _FONT, scale, thick)[0][0] for s in labels] + [1])
    text_h = cv2.getTextSize('0', _FONT, scale, thick)[0][1]
    if width is None:
        width = margin + bar_w + margin // 2 + text_w + margin
    canvas = np.full((height, int(width), 3), 255, dtype=np.uint8)
    top, bottom = margin + text_h // 2, height - margin - text_h // 2
    if bottom - top < 2:
        top, bottom = 0, height
    rows = bottom - top
    # row r (0 = top) shows value vmax - r / (rows - 1) * (vmax - vmin)
    index = np.rint(np.linspace(255., 0., rows)).astype(np.int64)
    canvas[top:bottom, margin:margin + bar_w] = colormap_lut(cmap)[index][:,
                                                                          None]
    cv2.rectangle(canvas, (margin, top), (margin + bar_w - 1, bottom - 1),
                  _BLACK, 1)
    span = float(vmax) - float(vmin)
    for tick, label in zip(ticks, labels):
        frac = (vmax - tick) / span if span > 0 else 0.
        y = int(round(top + frac * (rows - 1)))
        cv2.line(canvas, (margin + bar_w, y),
                 (margin + bar_w + margin // 2 - 1, y), _BLACK, thick)
        cv2.putText(canvas, label, (margin + bar_w + margin // 2 + 2,
                                    min(height - 1, y + text_h // 2)), _FONT,
                    scale, _BLACK, thick, cv2.LINE_AA)
    return canvas


def add_colorbar(image: np.ndarray,
                 vmin: float,
                 vmax: float,
                 cmap: str = 'magma_r',
                 unit: str = 'm') -> np.ndarray:
    """``image`` with a :func:`colorbar` of its height on the right."""
    bar = colorbar(image.shape[0], vmin, vmax, cmap=cmap, unit=unit)
    return np.concatenate([image, bar], axis=1)


def add_title(image: np.ndarray, title: str,
              lines: Sequence[str] = ()) -> np.ndarray:
    """``image`` under a white strip holding ``title`` (and extra text
    ``lines`` in smaller type, e.g. metrics).

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 RGB.
        title (str): The title.
        lines (Sequence[str]): More lines under the title.
    """
    height, width = image.shape[:2]
    scale = _text_scale(max(height, 240))
    thick = max(1, int(round(scale * 1.5)))
    small = scale * 0.8
    gap = max(3, int(round(6 * scale)))
    texts = [(title, scale, thick)] + [(s, small, max(1, thick - 1))
                                       for s in lines]
    # line height of a reference string: strips of the same number of
    # lines have the same height whatever their text (panels line up)
    sizes = [cv2.getTextSize('Ag', _FONT, s, k) for _, s, k in texts]
    strip_h = gap + sum(sz[0][1] + sz[1] + gap for sz in sizes)
    strip = np.full((strip_h, width, 3), 255, dtype=np.uint8)
    y = gap
    for (text, s, k), ((_, h), base) in zip(texts, sizes):
        y += h
        cv2.putText(strip, text, (gap, y), _FONT, s, _BLACK, k, cv2.LINE_AA)
        y += base + gap
    return np.concatenate([strip, image], axis=0)


def hstack_panels(panels: Sequence[np.ndarray], gap: int = 4) -> np.ndarray:
    """Panels side by side, tops aligned, shorter ones padded white at the
    bottom, separated by ``gap`` white columns."""
    height = max(p.shape[0] for p in panels)
    out = []
    for i, panel in enumerate(panels):
        if panel.shape[0] < height:
            pad = np.full((height - panel.shape[0], panel.shape[1], 3),
                          255,
                          dtype=np.uint8)
            panel = np.concatenate([panel, pad], axis=0)
        if i:
            out.append(np.full((height, gap, 3), 255, dtype=np.uint8))
        out.append(panel)
    return np.concatenate(out, axis=1)


def depth_color_image(depth: np.ndarray,
                      vmin: Optional[float] = None,
                      vmax: Optional[float] = None,
                      cmap: str = 'magma_r',
                      invalid_color: Sequence[int] = (128, 128, 128),
                      title: Optional[str] = None) -> np.ndarray:
    """A colourised depth map with a colour bar in metres on its right
    (and a title strip above when ``title`` is given).

    Args:
        depth (np.ndarray): ``(H, W)`` metres; ``<= 0`` or non-finite is
            invalid.
        vmin, vmax (float, optional): Colour range in metres. None: the
            valid values' minimum / maximum.
        cmap (str): Colormap. Defaults to 'magma_r'.
        invalid_color (Sequence[int]): RGB of invalid pixels.
        title (str, optional): Title. Defaults to None.

    Returns:
        np.ndarray: ``(H', W + bar, 3)`` uint8 RGB.
    """
    depth = np.asarray(depth, dtype=np.float32)
    valid = np.isfinite(depth) & (depth > 0)
    if vmin is None:
        vmin = float(depth[valid].min()) if valid.any() else 0.
    if vmax is None:
        vmax = float(depth[valid].max()) if valid.any() else 1.
    img = colorize(depth, vmin, vmax, cmap=cmap, invalid_color=invalid_color)
    img = add_colorbar(img, vmin, vmax, cmap=cmap)
    if title:
        img = add_title(img, title)
    return img


def abs_rel_map(pred: np.ndarray, gt: np.ndarray,
                valid: np.ndarray) -> np.ndarray:
    """Per-pixel ``|pred - gt| / gt`` where ``valid``, NaN elsewhere.

    Args:
        pred, gt (np.ndarray): ``(H, W)`` metres.
        valid (np.ndarray): ``(H, W)`` bool, pixels with ground truth.

    Returns:
        np.ndarray: ``(H, W)`` float32.
    """
    err = np.full(gt.shape, np.nan, dtype=np.float32)
    g = gt[valid].astype(np.float64)
    err[valid] = np.abs(pred[valid].astype(np.float64) - g) / g
    return err


def render_depth_panel(image: Optional[np.ndarray],
                       depth: np.ndarray,
                       vmin: Optional[float] = None,
                       vmax: Optional[float] = None,
                       cmap: str = 'magma_r',
                       max_side: Optional[int] = 1600) -> np.ndarray:
    """``[image | depth with a colour bar in metres]`` (or the depth alone
    when ``image`` is None), shrunk so that its long side is at most
    ``max_side`` pixels before drawing (a 6000-pixel photo gives a 1600
    pixel picture, drawn at that cost).

    Args:
        image (np.ndarray, optional): ``(H, W, 3)`` uint8 RGB.
        depth (np.ndarray): ``(H, W)`` metres.
        vmin, vmax (float, optional): Colour range in metres.
        cmap (str): Colormap. Defaults to 'magma_r'.
        max_side (int, optional): Largest side of each panel. None: full
            size. Defaults to 1600.

    Returns:
        np.ndarray: RGB picture.
    """
    height, width = depth.shape[:2]
    if max_side and max(height, width) > max_side:
        factor = max_side / max(height, width)
        size = (max(1, int(round(width * factor))),
                max(1, int(round(height * factor))))
        depth = cv2.resize(depth, size, interpolation=cv2.INTER_NEAREST)
        if image is not None:
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    elif image is not None and image.shape[:2] != (height, width):
        image = cv2.resize(image, (width, height))
    colored = depth_color_image(depth, vmin, vmax, cmap=cmap)
    if image is None:
        return colored
    return hstack_panels([image, colored])
