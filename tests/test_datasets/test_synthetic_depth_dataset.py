"""SyntheticDepthDataset: exact depth, determinism, speed, race safety."""
import glob
import json
import math
import multiprocessing
import os
import os.path as osp
import socket
import time

import cv2
import numpy as np
import pytest

from depth.datasets import SyntheticDepthDataset
from depth.datasets.synthetic_scene import (camera_matrix, ground_depth,
                                            render_scene, sample_scene)

SMALL = dict(num_train=6, num_val=2, img_size=(48, 64), seed=3)
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation'),
    dict(type='PackDepthInputs')
]


def _files(root):
    out = {}
    for path in sorted(glob.glob(osp.join(root, '**', '*'), recursive=True)):
        if osp.isfile(path):
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


def test_ground_plane_depth_hand_computed():
    # Camera 1.5 m above the ground, pitched down 0.05 rad, 120x160 image:
    # fx = fy = 0.75 * 160 = 120, cx = 79.5, cy = 59.5.
    assert camera_matrix(120, 160) == (120.0, 120.0, 79.5, 59.5)
    scene = dict(cam_height=1.5, pitch=0.05, objects=[])
    img, depth = render_scene(scene, 120, 160, max_depth=20.0)
    # Bottom row: y_c = (119 - 59.5) / 120; d_y = y_c cos(p) + sin(p);
    # depth = h / d_y = 1.5 / 0.545192... = 2.7513200648 m (any column:
    # z-depth of a plane seen by a row does not depend on the column).
    assert depth[119, 80] == pytest.approx(2.751320064773501, abs=1e-9)
    assert depth[119, 0] == pytest.approx(2.751320064773501, abs=1e-9)
    y_c = (100 - 59.5) / 120
    assert depth[100, 7] == pytest.approx(
        1.5 / (y_c * math.cos(0.05) + math.sin(0.05)), abs=1e-9)
    np.testing.assert_allclose(
        depth[:, 3],
        np.where(depth[:, 3] > 0,
                 ground_depth(np.arange(120), 1.5, 0.05, 120, 59.5), 0))
    # The horizon is at v = cy - fy tan(pitch) = 53.495: rows above it are
    # sky, which is invalid (0), and so is ground beyond max_depth.
    assert (depth[:54] == 0).all()
    far = ground_depth(np.arange(54, 120), 1.5, 0.05, 120, 59.5) > 20
    assert far.any() and (depth[54:][far] == 0).all()
    assert (depth[54:][~far] > 0).all()
    assert img.dtype == np.uint8 and img.shape == (120, 160, 3)


def test_objects_occlude_ground():
    scene = dict(
        cam_height=1.5,
        pitch=0.0,
        objects=[
            dict(
                kind='sphere',
                centre=[0.0, 0.5, 5.0],
                radius=1.0,
                colour=[1, 0, 0],
                pattern='plain',
                pattern_scale=0.5)
        ])
    _, depth = render_scene(scene, 120, 160, max_depth=20.0)
    # The ray through the principal point (between pixels 79/80 and
    # 59/60) is close to the sphere's nearest point: z = 5 - 1 = 4, a bit
    # more off-axis. Pixel (u=80, v=64): hand ray-sphere intersection.
    d = np.array([(80 - 79.5) / 120, (64 - 59.5) / 120, 1.0])
    c = np.array([0.0, 0.5, 5.0])
    b = d @ c
    t = (b - math.sqrt(b * b - (d @ d) * (c @ c - 1.0))) / (d @ d)
    assert depth[64, 80] == pytest.approx(t, abs=1e-9)
    assert depth[64, 80] < ground_depth(64, 1.5, 0.0, 120, 59.5)


def test_deterministic_bytes_and_roundtrip(tmp_path):
    a = SyntheticDepthDataset(data_root=str(tmp_path / 'a'), **SMALL)
    b = SyntheticDepthDataset(data_root=str(tmp_path / 'b'), **SMALL)
    files_a, files_b = _files(a.data_root), _files(b.data_root)
    assert len(files_a) == 2 * 8 + 3 and files_a == files_b
    # The renamed temporary folder has normal permissions, not mkdtemp's.
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(a.data_root).st_mode & 0o777 == 0o777 & ~umask
    c = SyntheticDepthDataset(
        data_root=str(tmp_path / 'c'), **dict(SMALL, seed=4))
    assert _files(c.data_root)['images/train/00000.png'] != \
        files_a['images/train/00000.png']

    # The split file uses the real datasets' format.
    with open(osp.join(a.data_root, 'train.txt')) as f:
        first = f.readline().split()
    assert first == ['train/00000.png', 'train/00000.png', '48.0000']

    # Read back through the standard pipeline: equal to a fresh render,
    # quantised to 1 mm.
    ds = SyntheticDepthDataset(
        data_root=str(tmp_path / 'a'), pipeline=PIPELINE, **SMALL)
    out = ds[2]
    gt = out['data_samples'].gt_depth_map.data[0].numpy()
    rng = np.random.default_rng([3, 0, 2])
    scene = sample_scene(rng, 48, 64, 20.0)
    img, depth = render_scene(scene, 48, 64, 20.0, rng)
    assert np.abs(gt - depth).max() <= 0.0005 + 1e-6
    assert ((gt == 0) == (depth == 0)).all()
    np.testing.assert_array_equal(out['inputs'].numpy(),
                                  img.transpose(2, 0, 1))
    meta = out['data_samples'].metainfo
    assert meta['focal'] == 48.0 and meta['depth_scale'] == 1000.0
    assert meta['cam_intrinsic'] == [[48.0, 0.0, 31.5], [0.0, 48.0, 23.5],
                                     [0.0, 0.0, 1.0]]


def test_median_and_metainfo(tmp_path):
    root = str(tmp_path / 's')
    train = SyntheticDepthDataset(data_root=root, **SMALL)
    val = SyntheticDepthDataset(
        data_root=root, ann_file='val.txt', test_mode=True, **SMALL)
    assert len(train) == 6 and len(val) == 2
    with open(osp.join(root, 'stats.json')) as f:
        stats = json.load(f)
    values = []
    for i in range(len(train)):
        info = train.get_data_info(i)
        raw = cv2.imread(info['depth_map_path'], cv2.IMREAD_UNCHANGED)
        values.append(raw[raw > 0] / 1000.0)
    median = float(np.median(np.concatenate(values)))
    assert stats['median_train_depth'] == pytest.approx(median)
    for ds in (train, val):
        assert ds.metainfo['median_train_depth'] == pytest.approx(median)
        assert ds.metainfo['max_depth_eval'] == 20.0
        assert ds.metainfo['crop_type'] is None
        assert ds.metainfo['depth_scale'] == 1000.0


def test_render_200_images_time(tmp_path):
    start = time.perf_counter()
    SyntheticDepthDataset(
        data_root=str(tmp_path / 't'),
        num_train=200,
        num_val=0,
        img_size=(120, 160))
    seconds = time.perf_counter() - start
    print(f'\nSyntheticDepthDataset: 200 images of 120x160 rendered and '
          f'written in {seconds:.2f} s')
    assert seconds < 20


def test_reuse_and_param_mismatch(tmp_path):
    root = str(tmp_path / 'r')
    SyntheticDepthDataset(data_root=root, **SMALL)
    stamp = {
        p: os.stat(osp.join(root, p)).st_mtime_ns
        for p in ('stats.json', 'images/train/00000.png')
    }
    SyntheticDepthDataset(data_root=root, **SMALL)
    assert stamp == {p: os.stat(osp.join(root, p)).st_mtime_ns for p in stamp}
    with pytest.raises(ValueError, match='other data_root|Delete'):
        SyntheticDepthDataset(data_root=root, **dict(SMALL, seed=5))
    # A foreign non-empty folder is never overwritten.
    os.makedirs(tmp_path / 'foreign')
    (tmp_path / 'foreign' / 'mine.txt').write_text('x')
    with pytest.raises(FileExistsError, match='foreign'):
        SyntheticDepthDataset(data_root=str(tmp_path / 'foreign'), **SMALL)


def _build(root, queue):
    try:
        ds = SyntheticDepthDataset(data_root=root, **SMALL)
        queue.put(('ok', len(ds), ds.metainfo['median_train_depth']))
    except Exception as e:  # pragma: no cover - reported to the parent
        queue.put(('error', repr(e), None))


def test_concurrent_generation_is_safe(tmp_path):
    root = str(tmp_path / 'race')
    ctx = multiprocessing.get_context('fork')
    queue = ctx.Queue()
    procs = [ctx.Process(target=_build, args=(root, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert all(r[0] == 'ok' for r in results), results
    assert len({r[1:] for r in results}) == 1
    # No leftovers: one tree, no temp folders, no lock.
    assert sorted(os.listdir(tmp_path)) == ['race']
    reference = SyntheticDepthDataset(data_root=str(tmp_path / 'ref'), **SMALL)
    assert _files(root) == _files(reference.data_root)


def test_stale_lock_taken_over(tmp_path):
    root = str(tmp_path / 'stale')
    # A lock left by a process that no longer exists on this host.
    ctx = multiprocessing.get_context('fork')
    p = ctx.Process(target=os._exit, args=(0, ))
    p.start()
    p.join()
    with open(root + '.lock', 'w') as f:
        f.write(f'{socket.gethostname()} {p.pid}')
    ds = SyntheticDepthDataset(data_root=root, lock_timeout=30, **SMALL)
    assert len(ds) == 6 and not osp.exists(root + '.lock')
