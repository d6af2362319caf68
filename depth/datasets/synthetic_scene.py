"""Procedural scenes with exact metric depth (SyntheticDepthDataset).

World frame: the camera centre is the origin, ``X`` points right, ``Y``
down, ``Z`` forward (horizontal); the ground is the plane ``Y = h`` (the
camera is ``h`` metres above it). The camera is pitched down by ``pitch``
radians about ``X``. A pixel ``(u, v)`` (pixel centres at integer
coordinates) has the camera-frame ray ``d_c = ((u - cx) / fx, (v - cy) / fy,
1)``, which in the world frame is::

    d = (x_c, y_c cos(pitch) + sin(pitch), cos(pitch) - y_c sin(pitch))

Every intersection is found as ``P = t d``; since the camera-frame ``z`` of
``d_c`` is 1, ``t`` *is* the z-depth stored in the depth map (the
convention of KITTI and NYU ground truth). For the ground, ``t = h / d_y``.

Only the few objects are looped over; every per-pixel computation is a
numpy array operation over all pixels.
"""
import functools
import math
from typing import Dict, List, Optional, Tuple

import numpy as np

Array = np.ndarray

#: Version of the renderer; stored in ``stats.json`` so that data made by an
#: older renderer is not silently reused.
RENDERER_VERSION = 1

_TILE = 1.0  # ground checker tile size (metres): a size cue


def camera_matrix(height: int,
                  width: int) -> Tuple[float, float, float, float]:
    """Intrinsics ``(fx, fy, cx, cy)`` of the synthetic camera.

    A horizontal field of view of about 67 degrees (``fx = 0.75 W``), square
    pixels and the principal point at the image centre.
    """
    fx = fy = 0.75 * width
    return fx, fy, (width - 1) / 2.0, (height - 1) / 2.0


def ground_depth(v: Array, cam_height: float, pitch: float, fy: float,
                 cy: float) -> Array:
    """Z-depth of the ground plane seen by image rows ``v`` (inf above the
    horizon)."""
    y_c = (np.asarray(v, dtype=np.float64) - cy) / fy
    d_y = y_c * math.cos(pitch) + math.sin(pitch)
    with np.errstate(divide='ignore'):
        return np.where(d_y > 0, cam_height / np.where(d_y > 0, d_y, 1.0),
                        np.inf)


def _hsv_colour(rng: np.random.Generator, sat: Tuple[float, float],
                val: Tuple[float, float]) -> List[float]:
    """A random colour as BGR in [0, 1]."""
    h = rng.uniform(0, 6)
    s = rng.uniform(*sat)
    v = rng.uniform(*val)
    c = v * s
    x = c * (1 - abs(h % 2 - 1))
    m = v - c
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c),
               (c, 0, x)][int(h) % 6]
    return [b + m, g + m, r + m]


def sample_scene(rng: np.random.Generator, height: int, width: int,
                 max_depth: float) -> Dict:
    """Draw the parameters of one random scene.

    Args:
        rng (np.random.Generator): Source of randomness.
        height (int): Image height H.
        width (int): Image width W.
        max_depth (float): Objects are placed closer than ``0.85 max_depth``.

    Returns:
        dict: ``cam_height``, ``pitch``, ``light`` (unit vector towards the
        light), ``fog_dist``, ``sky`` (horizon and zenith BGR),
        ``ground`` (two BGR tile colours), ``texture_seed`` and ``objects``
        (list of dicts with ``kind`` 'sphere' | 'box' | 'pillar').
    """
    fx, _, _, _ = camera_matrix(height, width)
    cam_height = rng.uniform(1.2, 2.0)
    pitch = math.radians(rng.uniform(0.0, 8.0))
    azim = rng.uniform(-math.pi, math.pi)
    elev = math.radians(rng.uniform(25.0, 70.0))
    # Towards the light: up is -Y.
    light = [
        math.cos(elev) * math.sin(azim), -math.sin(elev),
        math.cos(elev) * math.cos(azim)
    ]
    base = _hsv_colour(rng, (0.1, 0.5), (0.35, 0.7))
    ground = [base, [c * rng.uniform(0.55, 0.8) for c in base]]
    horizon = _hsv_colour(rng, (0.05, 0.25), (0.8, 0.95))
    zenith = _hsv_colour(rng, (0.3, 0.7), (0.6, 0.9))
    objects = []
    for _ in range(int(rng.integers(3, 10))):
        kind = ['sphere', 'box', 'pillar'][int(rng.integers(0, 3))]
        z = rng.uniform(2.5, 0.85 * max_depth)
        half_fov = (width / 2.0) / fx
        x = rng.uniform(-1.1, 1.1) * z * half_fov
        obj = dict(
            kind=kind,
            colour=_hsv_colour(rng, (0.3, 0.9), (0.4, 1.0)),
            pattern=['checker', 'stripes', 'plain'][int(rng.integers(0, 3))],
            pattern_scale=float(rng.uniform(0.2, 0.6)))
        if kind == 'sphere':
            r = rng.uniform(0.3, 1.2)
            lift = rng.uniform(0.0, 0.6) if rng.random() < 0.25 else 0.0
            obj.update(centre=[x, cam_height - r - lift, z], radius=r)
        elif kind == 'box':
            half = [
                rng.uniform(0.3, 1.2),
                rng.uniform(0.3, 1.5),
                rng.uniform(0.3, 1.2)
            ]
            obj.update(
                centre=[x, cam_height - half[1], z],
                half=half,
                yaw=rng.uniform(0, math.pi / 2))
        else:
            obj.update(
                centre=[x, cam_height, z],
                radius=rng.uniform(0.15, 0.4),
                top=rng.uniform(1.5, 6.0))
        objects.append(obj)
    return dict(
        cam_height=cam_height,
        pitch=pitch,
        light=light,
        fog_dist=rng.uniform(25.0, 60.0) * max_depth / 20.0,
        sky=[horizon, zenith],
        ground=ground,
        texture_seed=int(rng.integers(0, 2**31 - 1)),
        objects=objects)


# ----------------------------------------------------------------------------
# ray intersections. ``_hit_*(orig, D, obj)``: origins orig (3,) or (N, 3),
# directions D (N, 3) -> ray parameter t (N,), inf where the ray misses (or
# hits behind its origin). ``_surface_*(P, obj)``: hit points P (N, 3) ->
# unit normals (N, 3) and 2-D texture coordinates (N, 2) in metres.
# ----------------------------------------------------------------------------
_EPS = 1e-6


def _rowdot(a: Array, b: Array) -> Array:
    """Row-wise dot product of (N, 3) with (N, 3) or (3,)."""
    if b.ndim == 1:
        return a @ b
    return np.einsum('ij,ij->i', a, b)


def _hit_sphere(orig: Array, D: Array, obj: Dict) -> Array:
    oc = orig - np.asarray(obj['centre'])
    r = obj['radius']
    a = np.einsum('ij,ij->i', D, D)
    b = _rowdot(D, oc)
    c = (oc @ oc if oc.ndim == 1 else np.einsum('ij,ij->i', oc, oc)) - r * r
    disc = b * b - a * c
    with np.errstate(invalid='ignore'):
        t = (-b - np.sqrt(disc)) / a
    return np.where((disc > 0) & (t > _EPS), t, np.inf)


def _surface_sphere(P: Array, obj: Dict) -> Tuple[Array, Array]:
    r = obj['radius']
    n = (P - np.asarray(obj['centre'])) / r
    local = np.stack([
        np.arctan2(n[:, 0], n[:, 2]) * r,
        np.arcsin(np.clip(n[:, 1], -1, 1)) * r
    ], 1)
    return n, local


def _box_frame(obj: Dict) -> Array:
    """Rotation whose columns are the box axes in world coordinates."""
    cy, sy = math.cos(obj['yaw']), math.sin(obj['yaw'])
    return np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])


def _hit_box(orig: Array, D: Array, obj: Dict) -> Array:
    R = _box_frame(obj)
    half = np.asarray(obj['half'])
    o = (orig - np.asarray(obj['centre'])) @ R
    d = D @ R
    with np.errstate(divide='ignore', invalid='ignore'):
        inv = 1.0 / d
        t1 = (-half - o) * inv
        t2 = (half - o) * inv
        lo = np.minimum(t1, t2)
        hi = np.maximum(t1, t2)
        # Column-wise (reductions over a length-3 axis are slow in numpy).
        t_near = np.maximum(np.maximum(lo[:, 0], lo[:, 1]), lo[:, 2])
        t_far = np.minimum(np.minimum(hi[:, 0], hi[:, 1]), hi[:, 2])
        return np.where((t_near <= t_far) & (t_near > _EPS), t_near, np.inf)


def _surface_box(P: Array, obj: Dict) -> Tuple[Array, Array]:
    R = _box_frame(obj)
    half = np.asarray(obj['half'])
    p = (P - np.asarray(obj['centre'])) @ R
    axis = np.argmax(np.abs(p) / half, axis=1)
    rows = np.arange(len(p))
    n_local = np.zeros_like(p)
    n_local[rows, axis] = np.sign(p[rows, axis])
    u_axis = np.where(axis == 0, 2, 0)
    v_axis = np.where(axis == 1, 2, 1)
    local = np.stack([p[rows, u_axis], p[rows, v_axis]], 1)
    return n_local @ R.T, local


def _hit_pillar(orig: Array, D: Array, obj: Dict) -> Array:
    cx, base_y, cz = obj['centre']
    r = obj['radius']
    top_y = base_y - obj['top']
    orig = np.broadcast_to(orig, D.shape)
    ox, oy, oz = orig[:, 0] - cx, orig[:, 1], orig[:, 2] - cz
    dx, dy, dz = D[:, 0], D[:, 1], D[:, 2]
    a = dx * dx + dz * dz
    b = ox * dx + oz * dz
    c = ox * ox + oz * oz - r * r
    disc = b * b - a * c
    with np.errstate(divide='ignore', invalid='ignore'):
        t_side = (-b - np.sqrt(disc)) / a
        y_side = oy + t_side * dy
        side = (disc > 0) & (t_side > _EPS) & (y_side <= base_y) & (
            y_side >= top_y)
        # Top cap, seen from above.
        t_cap = (top_y - oy) / dy
        px = ox + t_cap * dx
        pz = oz + t_cap * dz
        cap = (dy > 0) & (t_cap > _EPS) & (px * px + pz * pz <= r * r)
    return np.minimum(
        np.where(side, t_side, np.inf), np.where(cap, t_cap, np.inf))


def _surface_pillar(P: Array, obj: Dict) -> Tuple[Array, Array]:
    cx, base_y, cz = obj['centre']
    r = obj['radius']
    top_y = base_y - obj['top']
    qx, qz = P[:, 0] - cx, P[:, 2] - cz
    inside = qx * qx + qz * qz < (r * r) * (1 - 1e-6)
    on_cap = (np.abs(P[:, 1] - top_y) < 1e-6) & inside
    n = np.stack([qx / r, np.zeros_like(qx), qz / r], 1)
    n[on_cap] = (0.0, -1.0, 0.0)
    local = np.stack([np.arctan2(qx, qz) * r, P[:, 1]], 1)
    return n, local


_HIT = dict(sphere=_hit_sphere, box=_hit_box, pillar=_hit_pillar)
_SURFACE = dict(
    sphere=_surface_sphere, box=_surface_box, pillar=_surface_pillar)


def _bounding_sphere(obj: Dict) -> Tuple[Array, float]:
    """Centre and radius of a sphere enclosing the object."""
    if obj['kind'] == 'sphere':
        return np.asarray(obj['centre'], dtype=np.float64), obj['radius']
    if obj['kind'] == 'box':
        return (np.asarray(obj['centre'], dtype=np.float64),
                float(np.linalg.norm(obj['half'])))
    cx, base_y, cz = obj['centre']
    half_h = obj['top'] / 2.0
    return (np.array([cx, base_y - half_h,
                      cz]), math.hypot(obj['radius'], half_h))


def _candidates(D: Array, d2: Array, centre: Array, radius: float) -> Array:
    """Camera rays ``D`` (N, 3) from the origin, with squared norms ``d2``,
    that pass within ``radius`` of ``centre`` in front of the camera: a
    cheap superset of the rays that can hit the enclosed object."""
    b = D @ centre
    c2 = float(centre @ centre)
    r2 = radius * radius
    if c2 <= r2:  # the camera is inside the bounding sphere
        return np.ones(len(D), dtype=bool)
    return (b > 0) & (c2 * d2 - b * b < r2 * d2)


def _hash_noise(ix: Array, iz: Array, seed: int) -> Array:
    """Deterministic per-cell noise in [0, 1) from integer coordinates."""
    n = (ix.astype(np.int64) * 73856093) ^ (iz.astype(np.int64) * 19349663) \
        ^ np.int64(seed)
    n = (n * np.int64(2654435761)) & np.int64(0xFFFFFF)
    return n.astype(np.float64) / float(0xFFFFFF)


def _pattern(local: Array, kind: str, scale: float) -> Array:
    """Albedo multiplier in [0.7, 1.0] of an object's surface pattern."""
    if kind == 'plain':
        return np.ones(len(local))
    k = np.floor(local / scale).astype(np.int64)
    if kind == 'checker':
        odd = (k[:, 0] + k[:, 1]) & 1
    else:
        odd = k[:, 1] & 1
    return 1.0 - 0.3 * odd


@functools.lru_cache(maxsize=8)
def _pixel_rays(height: int, width: int) -> Tuple[Array, Array]:
    """Normalised image coordinates ``x_c, y_c`` (N,) of every pixel."""
    fx, fy, cx, cy = camera_matrix(height, width)
    v, u = np.mgrid[0:height, 0:width]
    x_c = ((u - cx) / fx).ravel()
    y_c = ((v - cy) / fy).ravel()
    x_c.setflags(write=False)
    y_c.setflags(write=False)
    return x_c, y_c


def render_scene(scene: Dict,
                 height: int,
                 width: int,
                 max_depth: float,
                 rng: Optional[np.random.Generator] = None,
                 noise_std: float = 2.0) -> Tuple[Array, Array]:
    """Render one scene.

    Geometry (depth) is computed in float64; colour in float32.

    Args:
        scene (dict): Output of :func:`sample_scene` (or hand-made: the
            keys ``cam_height`` and ``pitch`` are required, the others have
            defaults).
        height (int): Image height H.
        width (int): Image width W.
        max_depth (float): Depth beyond this is marked invalid (0), like a
            range-limited sensor; the image still shows it.
        rng (np.random.Generator, optional): Pixel noise source; no noise
            when None.
        noise_std (float): Standard deviation of the pixel noise (0..255).

    Returns:
        tuple: ``img`` (H, W, 3) uint8 BGR and ``depth`` (H, W) float64
        z-depth in metres, 0 where invalid (sky, beyond ``max_depth``).
    """
    f32 = np.float32
    _, fy, _, _ = camera_matrix(height, width)
    h = float(scene['cam_height'])
    pitch = float(scene['pitch'])
    cp, sp = math.cos(pitch), math.sin(pitch)
    x_c, y_c = _pixel_rays(height, width)
    D = np.empty((len(x_c), 3))
    D[:, 0] = x_c
    D[:, 1] = y_c * cp + sp
    D[:, 2] = cp - y_c * sp
    npix = len(D)
    d2 = np.einsum('ij,ij->i', D, D)
    origin = np.zeros(3)

    horizon, zenith = scene.get('sky', ([0.9, 0.85, 0.8], [0.8, 0.6, 0.4]))
    g0, g1 = scene.get('ground', ([0.45, 0.5, 0.55], [0.3, 0.35, 0.4]))
    light = np.asarray(scene.get('light', [0.3, -0.8, 0.5]), dtype=np.float64)
    light = light / np.linalg.norm(light)
    tex_seed = int(scene.get('texture_seed', 0))
    objects = scene.get('objects', [])

    # Ground: t = h / d_y below the horizon.
    down = D[:, 1] > 0
    t = np.full(npix, np.inf)
    t[down] = h / D[down, 1]
    tg = np.where(down, t, 0.0)
    gx = (tg * D[:, 0]).astype(f32)
    gz = (tg * D[:, 2]).astype(f32)
    ix, iz = np.floor(gx), np.floor(gz)
    checker = ((ix + iz).astype(np.int32) & 1).astype(f32)
    grain = _hash_noise(np.floor(gx * 4), np.floor(gz * 4),
                        tex_seed).astype(f32)
    # Procedural anti-aliasing: fade the texture once a pixel covers more
    # than about a quarter tile of ground (footprint ~ t^2 / (fy h)).
    footprint = (tg * tg / (fy * h)).astype(f32)
    fade = np.clip(f32(1.5) - f32(2.0 / _TILE) * footprint, 0, 1)
    grain_fade = np.clip(f32(1.5) - f32(8.0 / _TILE) * footprint, 0, 1)
    mix = (f32(0.5) + (checker - f32(0.5)) * fade)[:, None]
    g0 = np.asarray(g0, dtype=f32)
    g1 = np.asarray(g1, dtype=f32)
    albedo = g0 + (g1 - g0) * mix
    albedo *= (f32(1.0) + f32(0.25) * (grain - f32(0.5)) * grain_fade)[:, None]
    normal = np.zeros((npix, 3), dtype=f32)
    normal[:, 1] = -1.0

    # Objects: nearest hit wins.
    for obj in objects:
        idx = np.flatnonzero(_candidates(D, d2, *_bounding_sphere(obj)))
        if not len(idx):
            continue
        t_o = _HIT[obj['kind']](origin, D[idx], obj)
        closer = t_o < t[idx]
        if not closer.any():
            continue
        sel = idx[closer]
        t[sel] = t_o[closer]
        n_o, local = _SURFACE[obj['kind']](t[sel, None] * D[sel], obj)
        normal[sel] = n_o
        pat = _pattern(local, obj['pattern'], obj['pattern_scale'])
        albedo[sel] = np.asarray(obj['colour'], dtype=f32) * pat[:, None]

    hit = np.isfinite(t)
    # Lambertian shading with cast shadows (one shadow ray per lit pixel,
    # tested exactly only against objects whose bounding sphere it passes).
    lam = np.clip(normal @ light.astype(f32), 0, None)
    idx = np.flatnonzero(hit & (lam > 0))
    if len(idx) and objects:
        P = t[idx, None] * D[idx] + 1e-4 * normal[idx]
        blocked = np.zeros(len(idx), dtype=bool)
        for obj in objects:
            centre, radius = _bounding_sphere(obj)
            v = centre - P
            s_along = v @ light
            near = (s_along > -radius) & (np.einsum('ij,ij->i', v, v) -
                                          s_along * s_along
                                          < radius * radius) & ~blocked
            sub = np.flatnonzero(near)
            if not len(sub):
                continue
            t_s = _HIT[obj['kind']](P[sub],
                                    np.broadcast_to(light, (len(sub), 3)), obj)
            blocked[sub[np.isfinite(t_s)]] = True
        lam[idx[blocked]] = 0
    colour = albedo
    colour *= (f32(0.35) + f32(0.65) * lam)[:, None]

    # Aerial perspective (fog) towards the horizon colour.
    horizon = np.asarray(horizon, dtype=f32)
    zenith = np.asarray(zenith, dtype=f32)
    fog = (1.0 - np.exp(-np.where(hit, t, 0.0) /
                        float(scene.get('fog_dist', 40.0)))).astype(f32)
    colour += (horizon - colour) * fog[:, None]
    # Sky: gradient by elevation of the ray.
    sky = np.flatnonzero(~hit)
    if len(sky):
        elev = np.clip(-D[sky, 1] / np.sqrt(d2[sky]), 0.0, 1.0)
        w = np.sqrt(elev).astype(f32)[:, None]
        colour[sky] = horizon + (zenith - horizon) * w

    img = colour.reshape(height, width, 3)
    img *= f32(255.0)
    if rng is not None and noise_std > 0:
        img += rng.standard_normal(img.shape, dtype=f32) * f32(noise_std)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)

    depth = np.where(hit & (t <= max_depth), t, 0.0).reshape(height, width)
    return img, depth
