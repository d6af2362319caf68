"""Procedurally rendered RGB-D scenes, generated once on disk and then read
back through the same code path as the real datasets."""
import json
import os
import os.path as osp
import shutil
import socket
import tempfile
import time
from typing import Dict, Optional, Sequence

import cv2
import numpy as np
from mmengine.logging import print_log

from depth.registry import DATASETS
from .base_depth_dataset import BaseDepthDataset
from .synthetic_scene import (RENDERER_VERSION, camera_matrix, render_scene,
                              sample_scene)

_SPLITS = (('train', 0), ('val', 1))


@DATASETS.register_module()
class SyntheticDepthDataset(BaseDepthDataset):
    """Synthetic scenes with exact metric depth (the built-in demo dataset).

    Each scene is a pinhole camera (horizontal field of view about 67
    degrees, ``fx = fy = 0.75 W``, principal point at the centre) 1.2-2.0 m
    above a textured ground plane (1 m checker tiles, fine grain), pitched
    down by 0-8 degrees, with 3-9 spheres, yaw-rotated boxes and pillars at
    2.5 m to ``0.85 max_depth``. Depth is computed exactly by ray-plane,
    ray-sphere, ray-box and ray-cylinder intersection, the nearest hit
    winning (so occlusion is real). Colour: Lambertian shading with cast
    shadows, checker/stripe patterns, aerial perspective (fog), a sky
    gradient and Gaussian pixel noise (sigma 2). The scenes thus carry the
    usual monocular cues: perspective, texture gradient, known sizes,
    occlusion, shading, shadows and haze.

    Depth is z-depth (as KITTI/NYU ground truth), stored as uint16 PNG
    millimetres (``depth_scale=1000``), so quantised to 1 mm; sky and
    anything farther than ``max_depth`` is 0 (invalid).

    On first use, when ``<data_root>/stats.json`` is missing, the dataset is
    rendered into a temporary sibling folder which is then renamed to
    ``data_root`` atomically; a lock file ``<data_root>.lock`` makes other
    processes (e.g. the other ranks of a distributed run) wait for it
    instead of rendering too. The tree is::

        <data_root>/images/{train,val}/00000.png   RGB (written as BGR PNG)
        <data_root>/depth/{train,val}/00000.png    uint16, metres * 1000
        <data_root>/train.txt  val.txt             "<rgb> <depth> <focal>"
        <data_root>/stats.json                     params + median depth

    ``stats.json`` records the generation parameters; an existing tree made
    with other parameters raises an error rather than being reused. It also
    holds ``median_train_depth``, the median valid depth of the training
    split, which both the train and the val instance put in their
    metainfo (the metric reports the abs_rel of predicting that constant
    as a baseline).

    Rendering is deterministic for a seed (same bytes on the same machine):
    image ``i`` of a split uses ``numpy.random.default_rng([seed, split,
    i])``.

    Args:
        ann_file (str): ``'train.txt'`` (default) or ``'val.txt'``.
        data_root (str): Defaults to ``'data/synthetic'``.
        data_prefix (dict): Defaults to
            ``dict(img_path='images', depth_map_path='depth')``.
        num_train (int): Training images. Defaults to 200.
        num_val (int): Validation images. Defaults to 50.
        img_size (tuple[int, int]): ``(H, W)``. Defaults to ``(120, 160)``.
        seed (int): Seed of the scenes. Defaults to 0.
        max_depth (float): Range limit in metres (and the default
            ``max_depth_eval``); at most 65. Defaults to 20.
        lock_timeout (float): Seconds to wait for another process's
            generation before giving up. Defaults to 600.
        **kwargs: See :class:`BaseDepthDataset`.
    """

    METAINFO: dict = dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=20.0,
        crop_type=None)

    def __init__(self,
                 ann_file: str = 'train.txt',
                 data_root: str = 'data/synthetic',
                 data_prefix: dict = dict(
                     img_path='images', depth_map_path='depth'),
                 num_train: int = 200,
                 num_val: int = 50,
                 img_size: Sequence[int] = (120, 160),
                 seed: int = 0,
                 max_depth: float = 20.0,
                 lock_timeout: float = 600.0,
                 metainfo: Optional[dict] = None,
                 **kwargs) -> None:
        if not data_root:
            raise ValueError('SyntheticDepthDataset needs a data_root to '
                             'write the generated scenes to.')
        if not 0 < max_depth <= 65.0:
            raise ValueError(f'max_depth must be in (0, 65] m to fit uint16 '
                             f'millimetres, got {max_depth}.')
        if len(img_size) != 2 or min(img_size) < 8:
            raise ValueError(f'img_size must be (H, W) with H, W >= 8, got '
                             f'{img_size}.')
        if num_train < 1 or num_val < 0:
            raise ValueError(f'need num_train >= 1 and num_val >= 0, got '
                             f'{num_train}, {num_val}.')
        self.params = dict(
            renderer_version=RENDERER_VERSION,
            num_train=int(num_train),
            num_val=int(num_val),
            img_size=[int(img_size[0]), int(img_size[1])],
            seed=int(seed),
            max_depth=float(max_depth),
            depth_scale=1000.0)
        stats = ensure_synthetic_data(data_root, self.params, lock_timeout)
        self.stats = stats
        metainfo = dict(metainfo or {})
        metainfo.setdefault('median_train_depth',
                            float(stats['median_train_depth']))
        metainfo.setdefault('max_depth_eval', float(max_depth))
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            metainfo=metainfo,
            **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Add the synthetic camera's ``cam_intrinsic`` (3x3)."""
        info = super().parse_data_info(raw_data_info)
        h, w = self.params['img_size']
        fx, fy, cx, cy = camera_matrix(h, w)
        info['cam_intrinsic'] = [[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]]
        if info['focal'] is None:
            info['focal'] = fx
        return info


# ----------------------------------------------------------------------------
# generation
# ----------------------------------------------------------------------------
def _load_stats(root: str, params: Dict) -> Dict:
    stats_path = osp.join(root, 'stats.json')
    with open(stats_path) as f:
        stats = json.load(f)
    if stats.get('params') != params:
        raise ValueError(
            f'{stats_path} was generated with parameters '
            f'{stats.get("params")}, but {params} were requested. Delete '
            f'{root} to regenerate, or use another data_root.')
    return stats


def _lock_is_stale(lock: str, stale_after: float) -> bool:
    """A lock is stale when its owner (same host) is dead or it is old."""
    try:
        with open(lock) as f:
            host, pid = f.read().split()
        if host == socket.gethostname():
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                return True
            except PermissionError:
                return False
        return time.time() - osp.getmtime(lock) > stale_after
    except (OSError, ValueError):
        # Being written right now, or already removed.
        return False


def ensure_synthetic_data(data_root: str,
                          params: Dict,
                          lock_timeout: float = 600.0) -> Dict:
    """Generate the synthetic dataset under ``data_root`` unless present.

    Safe with several processes: one takes the lock ``<data_root>.lock``
    (``O_CREAT | O_EXCL``), renders into a temporary sibling folder and
    renames it to ``data_root`` (atomic); the others wait for
    ``stats.json``. A lock left by a dead process is taken over.

    Args:
        data_root (str): Target folder.
        params (dict): Generation parameters (see
            :class:`SyntheticDepthDataset`).
        lock_timeout (float): Seconds to wait for another process.

    Returns:
        dict: The content of ``stats.json``.
    """
    root = osp.abspath(data_root)
    stats_path = osp.join(root, 'stats.json')
    if osp.isfile(stats_path):
        return _load_stats(root, params)
    parent = osp.dirname(root)
    os.makedirs(parent, exist_ok=True)
    lock = root + '.lock'
    deadline = time.time() + lock_timeout
    waited = False
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            if osp.isfile(stats_path):
                return _load_stats(root, params)
            if _lock_is_stale(lock, stale_after=lock_timeout):
                print_log(f'Removing stale lock {lock}.', logger='current')
                try:
                    os.remove(lock)
                except FileNotFoundError:
                    pass
                continue
            if time.time() > deadline:
                raise TimeoutError(
                    f'Waited {lock_timeout:.0f} s for another process to '
                    f'generate {root} (lock {lock}). Remove the lock file if '
                    'no process is generating.')
            if not waited:
                print_log(
                    f'Waiting for another process to generate {root}.',
                    logger='current')
                waited = True
            time.sleep(0.2)
            continue
        with os.fdopen(fd, 'w') as f:
            f.write(f'{socket.gethostname()} {os.getpid()}')
        break

    tmp = None
    try:
        if osp.isfile(stats_path):
            return _load_stats(root, params)
        if osp.exists(root):
            if os.listdir(root):
                raise FileExistsError(
                    f'{root} exists but holds no stats.json (not a complete '
                    'synthetic dataset); remove it or choose another '
                    'data_root.')
            os.rmdir(root)
        tmp = tempfile.mkdtemp(
            prefix=f'.{osp.basename(root)}.tmp.', dir=parent)
        # mkdtemp creates the folder 0700; give it the usual permissions.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)
        start = time.perf_counter()
        stats = _generate(tmp, params)
        seconds = time.perf_counter() - start
        os.rename(tmp, root)
        tmp = None
        total = params['num_train'] + params['num_val']
        print_log(
            f'Generated {total} synthetic RGB-D images '
            f'({params["img_size"][0]}x{params["img_size"][1]}) in {root} '
            f'in {seconds:.1f} s; median training depth '
            f'{stats["median_train_depth"]:.3f} m.',
            logger='current')
        return stats
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        try:
            os.remove(lock)
        except FileNotFoundError:
            pass


def _generate(out_dir: str, params: Dict) -> Dict:
    """Render every image into ``out_dir``; write split files and stats."""
    height, width = params['img_size']
    max_depth = params['max_depth']
    scale = params['depth_scale']
    fx = camera_matrix(height, width)[0]
    stats: Dict = dict(params=params)
    for split, split_id in _SPLITS:
        count = params[f'num_{split}']
        os.makedirs(osp.join(out_dir, 'images', split))
        os.makedirs(osp.join(out_dir, 'depth', split))
        lines = []
        valid = []
        for i in range(count):
            rng = np.random.default_rng([params['seed'], split_id, i])
            scene = sample_scene(rng, height, width, max_depth)
            img, depth = render_scene(scene, height, width, max_depth, rng)
            stored = np.rint(depth * scale).astype(np.uint16)
            name = f'{split}/{i:05d}.png'
            _imwrite(osp.join(out_dir, 'images', name), img)
            _imwrite(osp.join(out_dir, 'depth', name), stored)
            lines.append(f'{name} {name} {fx:.4f}\n')
            valid.append(stored[stored > 0])
        with open(osp.join(out_dir, f'{split}.txt'), 'w') as f:
            f.writelines(lines)
        if count:
            values = np.concatenate(valid).astype(np.float64) / scale
            stats[f'median_{split}_depth'] = float(np.median(values))
            stats[f'valid_fraction_{split}'] = float(values.size /
                                                     (count * height * width))
    # stats.json last: its presence marks a complete tree.
    with open(osp.join(out_dir, 'stats.json'), 'w') as f:
        json.dump(stats, f, indent=2, sort_keys=True)
    return stats


def _imwrite(path: str, array: np.ndarray) -> None:
    if not cv2.imwrite(path, array):
        raise OSError(f'Could not write {path}.')
