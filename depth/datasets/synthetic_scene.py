"""Procedural scenes with exact metric depth, for :class:`SyntheticDepthDataset`.

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
import math
from typing import Dict, List, Optional, Tuple

import numpy as np

Array = np.ndarray

#: Version of the renderer; stored in ``stats.json`` so that data made by an
#: older renderer is not silently reused.
RENDERER_VERSION = 1

_TILE = 1.0  # ground checker tile size (metres): a size cue


def camera_matrix(height: int, width: int) -> Tuple[float, float, float,
                                                     float]:
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
# ray intersections: origins O (N, 3) or (3,), directions D (N, 3). Each
# returns (t (N,), normal (N, 3), local (N, 2) texture coordinates), with
# t = inf where the ray misses (or hits behind its origin).
# ----------------------------------------------------------------------------
_EPS = 1e-6


def _sphere(O: Array, D: Array, obj: Dict) -> Tuple[Array, Array, Array]:
    c = np.asarray(obj['centre'])
    r = obj['radius']
    oc = O - c
    a = np.einsum('ij,ij->i', D, D)
    b = np.einsum('ij,ij->i', D, np.broadcast_to(oc, D.shape))
    cc = np.einsum('ij,ij->i', np.broadcast_to(oc, D.shape),
                   np.broadcast_to(oc, D.shape)) - r * r
    disc = b * b - a * cc
    hit = disc > 0
    sq = np.sqrt(np.where(hit, disc, 0.0))
    t = (-b - sq) / a
    hit &= t > _EPS
    t = np.where(hit, t, np.inf)
    p = O + np.where(hit, t, 0.0)[:, None] * D
    n = (p - c) / r
    local = np.stack([np.arctan2(n[:, 0], n[:, 2]) * r,
                      np.arcsin(np.clip(n[:, 1], -1, 1)) * r], 1)
    return t, n, local


def _box(O: Array, D: Array, obj: Dict) -> Tuple[Array, Array, Array]:
    c = np.asarray(obj['centre'])
    half = np.asarray(obj['half'])
    cy, sy = math.cos(obj['yaw']), math.sin(obj['yaw'])
    # Columns: the box's local axes in world coordinates (yaw about Y).
    R = np.array([[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]])
    o = (O - c) @ R
    d = D @ R
    o = np.broadcast_to(o, d.shape)
    with np.errstate(divide='ignore', invalid='ignore'):
        inv = 1.0 / d
        t1 = (-half - o) * inv
        t2 = (half - o) * inv
    tmin = np.minimum(t1, t2)
    tmax = np.maximum(t1, t2)
    tmin = np.where(np.isnan(tmin), -np.inf, tmin)
    tmax = np.where(np.isnan(tmax), np.inf, tmax)
    axis = np.argmax(tmin, axis=1)
    t_near = tmin[np.arange(len(d)), axis]
    t_far = tmax.min(axis=1)
    hit = (t_near <= t_far) & (t_near > _EPS)
    t = np.where(hit, t_near, np.inf)
    n_local = np.zeros_like(d)
    n_local[np.arange(len(d)), axis] = -np.sign(d[np.arange(len(d)), axis])
    n = n_local @ R.T
    p = o + np.where(hit, t, 0.0)[:, None] * d
    # Texture coordinates: the two in-face coordinates of the hit face.
    u_axis = np.where(axis == 0, 2, 0)
    v_axis = np.where(axis == 1, 2, 1)
    idx = np.arange(len(d))
    local = np.stack([p[idx, u_axis], p[idx, v_axis]], 1)
    return t, n, local


def _pillar(O: Array, D: Array, obj: Dict) -> Tuple[Array, Array, Array]:
    cx, base_y, cz = obj['centre']
    r = obj['radius']
    top_y = base_y - obj['top']
    O = np.broadcast_to(O, D.shape)
    ox, oz = O[:, 0] - cx, O[:, 2] - cz
    a = D[:, 0]**2 + D[:, 2]**2
    b = ox * D[:, 0] + oz * D[:, 2]
    cc = ox * ox + oz * oz - r * r
    disc = b * b - a * cc
    ok = (disc > 0) & (a > 1e-12)
    with np.errstate(divide='ignore', invalid='ignore'):
        t_side = (-b - np.sqrt(np.where(ok, disc, 0.0))) / np.where(
            ok, a, 1.0)
    y_side = O[:, 1] + t_side * D[:, 1]
    ok &= (t_side > _EPS) & (y_side <= base_y) & (y_side >= top_y)
    t_side = np.where(ok, t_side, np.inf)
    # Top cap (visible from above).
    with np.errstate(divide='ignore', invalid='ignore'):
        t_cap = (top_y - O[:, 1]) / D[:, 1]
    px = ox + t_cap * D[:, 0]
    pz = oz + t_cap * D[:, 2]
    cap = (t_cap > _EPS) & (px * px + pz * pz <= r * r) & (D[:, 1] > 0)
    t_cap = np.where(cap, t_cap, np.inf)
    use_cap = t_cap < t_side
    t = np.minimum(t_side, t_cap)
    tt = np.where(np.isfinite(t), t, 0.0)
    hx = ox + tt * D[:, 0]
    hz = oz + tt * D[:, 2]
    n = np.stack([hx / r, np.zeros_like(hx), hz / r], 1)
    n[use_cap] = (0.0, -1.0, 0.0)
    local = np.stack([np.arctan2(hx, hz) * r, O[:, 1] + tt * D[:, 1]], 1)
    return t, n, local


_INTERSECT = dict(sphere=_sphere, box=_box, pillar=_pillar)


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


def render_scene(scene: Dict,
                 height: int,
                 width: int,
                 max_depth: float,
                 rng: Optional[np.random.Generator] = None,
                 noise_std: float = 2.0) -> Tuple[Array, Array]:
    """Render one scene.

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
    fx, fy, cx, cy = camera_matrix(height, width)
    h = float(scene['cam_height'])
    pitch = float(scene['pitch'])
    cp, sp = math.cos(pitch), math.sin(pitch)
    v, u = np.mgrid[0:height, 0:width]
    x_c = ((u - cx) / fx).ravel()
    y_c = ((v - cy) / fy).ravel()
    D = np.stack([x_c, y_c * cp + sp, cp - y_c * sp], 1)
    npix = len(D)
    origin = np.zeros(3)

    horizon, zenith = scene.get('sky', ([0.9, 0.85, 0.8], [0.8, 0.6, 0.4]))
    g0, g1 = scene.get('ground', ([0.45, 0.5, 0.55], [0.3, 0.35, 0.4]))
    light = np.asarray(scene.get('light', [0.3, -0.8, 0.5]), dtype=np.float64)
    light = light / np.linalg.norm(light)
    tex_seed = int(scene.get('texture_seed', 0))
    objects = scene.get('objects', [])

    # Ground.
    t = np.full(npix, np.inf)
    down = D[:, 1] > 0
    t[down] = h / D[down, 1]
    normal = np.zeros((npix, 3))
    normal[:, 1] = -1.0
    albedo = np.zeros((npix, 3))
    gx = t * D[:, 0]
    gz = t * D[:, 2]
    gx = np.where(down, gx, 0.0)
    gz = np.where(down, gz, 0.0)
    checker = ((np.floor(gx / _TILE) + np.floor(gz / _TILE)).astype(np.int64)
               & 1).astype(np.float64)
    grain = _hash_noise(np.floor(gx * 4), np.floor(gz * 4), tex_seed)
    # Procedural anti-aliasing: fade the texture once a pixel covers more
    # than about a quarter tile of ground (footprint ~ t^2 / (fy h)).
    footprint = np.where(down, t * t / (fy * h), np.inf)
    fade = np.clip(1.5 - 2.0 * footprint / _TILE, 0.0, 1.0)
    grain_fade = np.clip(1.5 - 8.0 * footprint / _TILE, 0.0, 1.0)
    mix = 0.5 + (checker - 0.5) * fade
    albedo[:] = (np.asarray(g0) * (1 - mix)[:, None] +
                 np.asarray(g1) * mix[:, None])
    albedo *= (1.0 + 0.25 * (grain - 0.5) * grain_fade)[:, None]

    # Objects: nearest hit wins.
    for obj in objects:
        t_o, n_o, local = _INTERSECT[obj['kind']](origin, D, obj)
        closer = t_o < t
        if not closer.any():
            continue
        t[closer] = t_o[closer]
        normal[closer] = n_o[closer]
        pat = _pattern(local[closer], obj['pattern'], obj['pattern_scale'])
        albedo[closer] = np.asarray(obj['colour']) * pat[:, None]

    hit = np.isfinite(t)
    # Lambertian shading with cast shadows (one shadow ray per hit pixel).
    lam = np.clip(normal @ light, 0.0, None)
    points = np.where(hit, t, 0.0)[:, None] * D
    lit = np.ones(npix, dtype=bool)
    idx = np.flatnonzero(hit & (lam > 0))
    if len(idx) and objects:
        P = points[idx] + 1e-4 * normal[idx]
        L = np.broadcast_to(light, P.shape)
        blocked = np.zeros(len(idx), dtype=bool)
        for obj in objects:
            t_s, _, _ = _INTERSECT[obj['kind']](P, L, obj)
            blocked |= np.isfinite(t_s)
        lit[idx[blocked]] = False
    shade = 0.35 + 0.65 * lam * lit
    colour = albedo * shade[:, None]

    # Sky: gradient by elevation of the (normalised) ray.
    elev = np.clip(-D[:, 1] / np.linalg.norm(D, axis=1), 0.0, 1.0)
    w = np.sqrt(elev)[:, None]
    sky = np.asarray(horizon) * (1 - w) + np.asarray(zenith) * w
    # Aerial perspective (fog) towards the horizon colour.
    fog = 1.0 - np.exp(-np.where(hit, t, 0.0) /
                       float(scene.get('fog_dist', 40.0)))
    colour = colour * (1 - fog)[:, None] + np.asarray(horizon) * fog[:, None]
    colour = np.where(hit[:, None], colour, sky)

    img = colour.reshape(height, width, 3) * 255.0
    if rng is not None and noise_std > 0:
        img = img + rng.normal(0.0, noise_std, img.shape)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)

    depth = np.where(hit & (t <= max_depth), t, 0.0).reshape(height, width)
    return img, depth
