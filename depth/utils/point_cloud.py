"""Camera intrinsics, back-projection of depth maps and PLY files.

The pinhole model in the OpenCV convention: pixel ``(u, v)`` (column,
row) sits at integer indices (the centre of the top-left pixel is
``(0, 0)``) and a pixel of depth ``Z`` back-projects to

.. math::

    X = (u - c_x) Z / f_x, \\quad Y = (v - c_y) Z / f_y, \\quad Z = Z

in the camera frame: x right, y down, z forward, metres. ``Z`` is the
depth along the optical axis (what depth datasets store), not the range
along the ray.

Example::

    K = intrinsics_from_fov(60, width=640, height=480)
    points, colors = backproject(depth, K, image_rgb)
    write_ply('cloud.ply', points, colors)
"""
import math
import os
import os.path as osp
import re
from typing import Optional, Tuple, Union

import numpy as np

PathType = Union[str, os.PathLike]

_PLY_TYPES = {
    'char': 'i1',
    'int8': 'i1',
    'uchar': 'u1',
    'uint8': 'u1',
    'short': 'i2',
    'int16': 'i2',
    'ushort': 'u2',
    'uint16': 'u2',
    'int': 'i4',
    'int32': 'i4',
    'uint': 'u4',
    'uint32': 'u4',
    'float': 'f4',
    'float32': 'f4',
    'double': 'f8',
    'float64': 'f8',
}


def pinhole_intrinsics(fx: float, fy: float, cx: float,
                       cy: float) -> np.ndarray:
    """The ``(3, 3)`` float64 camera matrix ``[[fx, 0, cx], [0, fy, cy],
    [0, 0, 1]]``.

    Args:
        fx, fy (float): Focal lengths in pixels (> 0).
        cx, cy (float): Principal point in pixels (OpenCV convention: the
            centre of the top-left pixel is ``(0, 0)``).

    Raises:
        ValueError: If a focal length is not a positive finite number.
    """
    values = [float(v) for v in (fx, fy, cx, cy)]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f'intrinsics must be finite, got fx={fx} fy={fy} '
                         f'cx={cx} cy={cy}')
    if values[0] <= 0 or values[1] <= 0:
        raise ValueError(
            f'focal lengths must be > 0 pixels, got fx={fx} fy={fy}')
    fx, fy, cx, cy = values
    return np.array([[fx, 0., cx], [0., fy, cy], [0., 0., 1.]])


def intrinsics_from_focal(focal: float, width: int, height: int) -> np.ndarray:
    """Camera matrix with ``fx = fy = focal`` and the principal point at
    the image centre ``((width - 1) / 2, (height - 1) / 2)``.

    Args:
        focal (float): Focal length in pixels of the image of size
            ``width x height``.
        width, height (int): Image size in pixels.
    """
    return pinhole_intrinsics(focal, focal, (width - 1) / 2.,
                              (height - 1) / 2.)


def intrinsics_from_fov(fov_deg: float, width: int, height: int) -> np.ndarray:
    """Camera matrix from the horizontal field of view (square pixels,
    principal point at the centre): ``f = (width / 2) / tan(fov / 2)``.

    Args:
        fov_deg (float): Horizontal field of view in degrees, in (0, 180).
        width, height (int): Image size in pixels.

    Raises:
        ValueError: If the field of view is outside (0, 180).
    """
    if not 0 < float(fov_deg) < 180:
        raise ValueError(f'--fov must be in (0, 180) degrees, got {fov_deg}')
    focal = (width / 2.) / math.tan(math.radians(float(fov_deg)) / 2.)
    return intrinsics_from_focal(focal, width, height)


def read_kitti_calib(path: PathType, key: str = 'P_rect_02') -> np.ndarray:
    """The ``(3, 3)`` camera matrix of a KITTI calibration file.

    Reads ``calib_cam_to_cam.txt`` of the raw data (lines ``P_rect_02:
    p00 p01 ... p23``, a ``3x4`` projection matrix whose left ``3x3`` block
    is the camera matrix of the rectified image) or the object benchmark's
    ``calib/*.txt`` (``P2: ...``; ``P_rect_02`` falls back to ``P2``).

    Args:
        path (str | PathLike): The calibration file.
        key (str): The matrix to read. Defaults to 'P_rect_02' (the left
            colour camera, image_02).

    Raises:
        FileNotFoundError: If the file does not exist.
        KeyError: If the file has no such matrix (naming the file and the
            keys it has).
        ValueError: If the matrix does not hold 12 (or 9) numbers.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'KITTI calibration file not found: {path}')
    entries = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            name, sep, value = line.partition(':')
            if sep:
                entries[name.strip()] = value.strip()
    candidates = [key]
    match = re.fullmatch(r'P_rect_0(\d)', key)
    if match:
        candidates.append(f'P{match.group(1)}')
    for name in candidates:
        if name in entries:
            try:
                values = np.array([float(v) for v in entries[name].split()])
            except ValueError as e:
                raise ValueError(f'{path}: {name} is not a list of numbers: '
                                 f'{entries[name]!r}') from e
            if values.size == 12:
                return values.reshape(3, 4)[:, :3].copy()
            if values.size == 9:
                return values.reshape(3, 3)
            raise ValueError(f'{path}: {name} has {values.size} numbers, '
                             'expected 12 (3x4) or 9 (3x3)')
    raise KeyError(f'{path} has no {key!r} (keys: {sorted(entries)})')


def scale_intrinsics(K: np.ndarray, sx: float, sy: float) -> np.ndarray:
    """The camera matrix of the image resized by ``(sx, sy)``
    (``new_width / width``, ``new_height / height``), pixel centres
    aligned as ``cv2.resize`` does: ``f' = f s``, ``c' = (c + 0.5) s -
    0.5``.

    Args:
        K (np.ndarray): ``(3, 3)`` camera matrix.
        sx, sy (float): Horizontal and vertical scale factors.
    """
    K = np.asarray(K, dtype=np.float64).copy()
    K[0, 0] *= sx
    K[1, 1] *= sy
    K[0, 2] = (K[0, 2] + 0.5) * sx - 0.5
    K[1, 2] = (K[1, 2] + 0.5) * sy - 0.5
    return K


def backproject(
    depth: np.ndarray,
    K: np.ndarray,
    image: Optional[np.ndarray] = None,
    mask: Optional[np.ndarray] = None
) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Back-project a depth map to 3-D points in the camera frame.

    Vectorised; pixels with depth ``<= 0`` or non-finite (invalid) and
    pixels outside ``mask`` are dropped. Points are in row-major pixel
    order.

    Args:
        depth (np.ndarray): ``(H, W)`` depth along the optical axis, metres.
        K (np.ndarray): ``(3, 3)`` camera matrix of the image of size
            ``(H, W)`` (``fx = K[0, 0]``, ``fy = K[1, 1]``, ``cx = K[0, 2]``,
            ``cy = K[1, 2]``).
        image (np.ndarray, optional): ``(H, W, 3)`` colours (e.g. RGB
            uint8) of the same pixels. Defaults to None.
        mask (np.ndarray, optional): ``(H, W)`` bool, pixels to keep.
            Defaults to None (all valid pixels).

    Returns:
        tuple: ``points`` ``(N, 3)`` float32 ``(X, Y, Z)`` metres, and the
        ``(N, 3)`` colours of the image (its dtype) or None.

    Raises:
        ValueError: For a depth map that is not 2-D, or an image or mask of
            another size.
    """
    depth = np.asarray(depth)
    if depth.ndim == 3 and depth.shape[0] == 1:
        depth = depth[0]
    if depth.ndim != 2:
        raise ValueError(f'backproject: depth must be (H, W), got shape '
                         f'{depth.shape}')
    height, width = depth.shape
    K = np.asarray(K, dtype=np.float64)
    if K.shape != (3, 3):
        raise ValueError(f'backproject: K must be (3, 3), got {K.shape}')
    valid = np.isfinite(depth) & (depth > 0)
    if mask is not None:
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != depth.shape:
            raise ValueError(f'backproject: mask of shape {mask.shape} for '
                             f'a depth map of shape {depth.shape}')
        valid &= mask
    vs, us = np.nonzero(valid)
    z = depth[vs, us].astype(np.float64)
    x = (us - K[0, 2]) * z / K[0, 0]
    y = (vs - K[1, 2]) * z / K[1, 1]
    points = np.stack([x, y, z], axis=1).astype(np.float32)
    colors = None
    if image is not None:
        image = np.asarray(image)
        if image.shape[:2] != (height, width) or image.ndim != 3:
            raise ValueError(f'backproject: image of shape {image.shape} '
                             f'for a depth map of shape {depth.shape}')
        colors = image[vs, us]
    return points, colors


def write_ply(path: PathType,
              points: np.ndarray,
              colors: Optional[np.ndarray] = None,
              binary: bool = True) -> None:
    """Write a point cloud as a standard PLY file (Open3D, MeshLab,
    CloudCompare read it).

    Vertices have ``float x, y, z`` and, with colours, ``uchar red, green,
    blue``. Binary little-endian by default (one ``tofile`` of a structured
    array), ASCII with ``binary=False``.

    Args:
        path (str | PathLike): Output file (folders are created).
        points (np.ndarray): ``(N, 3)`` coordinates.
        colors (np.ndarray, optional): ``(N, 3)`` RGB, uint8 (0-255) or
            float (0-1). Defaults to None.
        binary (bool): Binary little-endian, else ASCII. Defaults to True.

    Raises:
        ValueError: For arrays of the wrong shape.
    """
    points = np.asarray(points)
    if points.ndim != 2 or points.shape[1] != 3:
        raise ValueError(f'write_ply: points must be (N, 3), got '
                         f'{points.shape}')
    fields = [('x', '<f4'), ('y', '<f4'), ('z', '<f4')]
    if colors is not None:
        colors = np.asarray(colors)
        if colors.shape != points.shape:
            raise ValueError(f'write_ply: colors of shape {colors.shape} for '
                             f'points of shape {points.shape}')
        if colors.dtype != np.uint8:
            colors = np.clip(np.rint(colors.astype(np.float64) * 255), 0,
                             255).astype(np.uint8)
        fields += [('red', 'u1'), ('green', 'u1'), ('blue', 'u1')]
    vertex = np.empty(len(points), dtype=fields)
    vertex['x'], vertex['y'], vertex['z'] = points.astype(np.float32).T
    if colors is not None:
        vertex['red'], vertex['green'], vertex['blue'] = colors.T
    header = [
        'ply', f'format {"binary_little_endian" if binary else "ascii"}'
        ' 1.0', f'element vertex {len(points)}', 'property float x',
        'property float y', 'property float z'
    ]
    if colors is not None:
        header += [
            'property uchar red', 'property uchar green', 'property uchar blue'
        ]
    header.append('end_header')
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    with open(path, 'wb') as f:
        f.write(('\n'.join(header) + '\n').encode('ascii'))
        if binary:
            vertex.tofile(f)
        elif len(points):
            fmt = ['%.7g'] * 3 + (['%d'] * 3 if colors is not None else [])
            table = np.column_stack([points.astype(np.float32)] + (
                [colors.astype(np.float32)] if colors is not None else []))
            np.savetxt(f, table, fmt=' '.join(fmt))


def read_ply(path: PathType) -> dict:
    """Read the vertices of a PLY file (binary little-endian or ASCII).

    Args:
        path (str | PathLike): The file.

    Returns:
        dict: Property name -> ``(N,)`` array (``'x'``, ``'y'``, ``'z'``,
        ``'red'``, ...).

    Raises:
        ValueError: If the file is not a PLY file of one of these formats,
            or has list properties.
    """
    path = os.fspath(path)
    with open(path, 'rb') as f:
        if f.readline().strip() != b'ply':
            raise ValueError(f'{path} is not a PLY file')
        fmt, count, props, element = None, 0, [], None
        while True:
            line = f.readline()
            if not line:
                raise ValueError(f'{path}: no end_header')
            words = line.decode('ascii').split()
            if not words:
                continue
            if words[0] == 'format':
                fmt = words[1]
            elif words[0] == 'element':
                element = words[1]
                if element == 'vertex':
                    count = int(words[2])
            elif words[0] == 'property' and element == 'vertex':
                if words[1] == 'list':
                    raise ValueError(f'{path}: list vertex properties are '
                                     'not supported')
                props.append((words[2], _PLY_TYPES[words[1]]))
            elif words[0] == 'end_header':
                break
        if fmt == 'binary_little_endian':
            dtype = np.dtype([(n, '<' + t) for n, t in props])
            data = np.fromfile(f, dtype=dtype, count=count)
        elif fmt == 'ascii':
            table = np.loadtxt(f, max_rows=count, ndmin=2)
            data = {n: table[:, i].astype(t) for i, (n, t) in enumerate(props)}
            return data
        else:
            raise ValueError(f'{path}: unsupported PLY format {fmt!r}')
    return {n: data[n] for n, _ in props}
