"""Helpers shared by the depth transforms."""
from typing import List, Tuple

import cv2
import numpy as np


def get_depth_fields(results: dict) -> List[str]:
    """Keys of ``results`` that geometric transforms must move with ``img``.

    ``results['depth_fields']`` when present (each listed key must exist),
    otherwise ``['gt_depth_map']`` if that key exists.

    Raises:
        KeyError: If a key listed in ``depth_fields`` is missing.
    """
    if 'depth_fields' in results:
        fields = list(results['depth_fields'])
        for key in fields:
            if key not in results:
                raise KeyError(
                    f'results["depth_fields"] lists {key!r} but results has '
                    f'no such key ({describe(results)}).')
        return fields
    return ['gt_depth_map'] if 'gt_depth_map' in results else []


def describe(results: dict) -> str:
    """``img_path=..., depth_map_path=...`` for error messages."""
    return (f'img_path={results.get("img_path")}, '
            f'depth_map_path={results.get("depth_map_path")}')


def check_aligned(results: dict, fields: List[str], name: str) -> None:
    """Raise if a depth field's (H, W) differs from the image's.

    Args:
        results (dict): Must hold ``img``.
        fields (list[str]): Depth field keys.
        name (str): Transform name for the message.
    """
    if 'img' not in results:
        raise KeyError(f'{name}: results has no "img" ({describe(results)}).')
    shape = results['img'].shape[:2]
    for key in fields:
        value = results[key]
        if not isinstance(value, np.ndarray) or value.shape[:2] != shape:
            got = value.shape if isinstance(value, np.ndarray) else type(value)
            raise ValueError(
                f'{name}: results[{key!r}] has shape {got} but the image is '
                f'{tuple(shape)}; image and depth are not aligned '
                f'({describe(results)}).')


def aligned_depth_fields(results: dict,
                         name: str,
                         depth: bool = True) -> List[str]:
    """The depth fields of ``results`` (:func:`get_depth_fields`), checked
    to be aligned with ``img`` (:func:`check_aligned`).

    Args:
        results (dict): Must hold ``img``.
        name (str): Transform name for the messages.
        depth (bool): Whether the transform moves the depth fields too.
            False is for transforms that move only the image: then any depth
            field present is an error, since it would no longer match.

    Returns:
        list[str]: The depth field keys.
    """
    fields = get_depth_fields(results)
    if fields and not depth:
        raise ValueError(
            f'{name}(depth=False) but results hold depth fields {fields}, '
            f'which would no longer match the image ({describe(results)}).')
    check_aligned(results, fields, name)
    return fields


def check_crop_fits(results: dict, name: str, height: int, width: int) -> None:
    """Raise if ``results['img']`` is smaller than a ``height x width``
    crop."""
    img_h, img_w = results['img'].shape[:2]
    if img_h < height or img_w < width:
        raise ValueError(
            f'{name}: image {img_h}x{img_w} is smaller than the crop '
            f'{height}x{width} ({describe(results)}).')


def crop_fields(results: dict, fields: List[str], top: int, left: int,
                height: int, width: int) -> None:
    """Crop ``img`` and the depth ``fields`` of ``results`` to the box
    ``[top:top + height, left:left + width]`` in place, and set
    ``img_shape``. The caller checks that the box fits."""
    for key in ['img'] + fields:
        results[key] = results[key][top:top + height, left:left + width]
    results['img_shape'] = (height, width)


def resize_fields(results: dict, fields: List[str], size: Tuple[int, int],
                  interpolation: int) -> None:
    """Resize the depth ``fields`` of ``results`` in place to ``size``
    ``(w, h)`` with the OpenCV ``interpolation`` flag (nearest-neighbour
    kinds keep depth values unmixed)."""
    for key in fields:
        results[key] = cv2.resize(
            results[key], size, interpolation=interpolation)


def set_resize_meta(results: dict, old_size: Tuple[int, int],
                    new_size: Tuple[int, int], keep_ratio: bool) -> None:
    """Record a resize in ``results`` as mmcv's ``Resize`` does:
    ``img_shape`` ``(h, w)``, ``scale`` ``(w, h)``, ``scale_factor``
    ``(w_new / w, h_new / h)`` and ``keep_ratio``.

    Args:
        results (dict): The transform results, changed in place.
        old_size (tuple[int, int]): ``(w, h)`` before.
        new_size (tuple[int, int]): ``(w, h)`` after.
        keep_ratio (bool): Whether the aspect ratio was kept.
    """
    (width, height), (new_w, new_h) = old_size, new_size
    results['img_shape'] = (new_h, new_w)
    results['scale'] = (new_w, new_h)
    results['scale_factor'] = (new_w / width, new_h / height)
    results['keep_ratio'] = keep_ratio
