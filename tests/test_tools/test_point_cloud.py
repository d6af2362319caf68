"""Back-projection, intrinsics, KITTI calibration and PLY files
(depth/utils/point_cloud.py)."""
import math

import numpy as np
import pytest

from depth.datasets.synthetic_scene import camera_matrix, render_scene
from depth.utils.point_cloud import (backproject, intrinsics_from_focal,
                                     intrinsics_from_fov, pinhole_intrinsics,
                                     read_kitti_calib, read_ply,
                                     scale_intrinsics, write_ply)


def test_backproject_2x3_by_hand():
    depth = np.array([[1., 2., 0.], [4., 5., 6.]], dtype=np.float32)
    K = pinhole_intrinsics(fx=2., fy=4., cx=1., cy=0.5)
    image = np.arange(18, dtype=np.uint8).reshape(2, 3, 3)
    points, colors = backproject(depth, K, image)
    # X = (u - cx) Z / fx, Y = (v - cy) Z / fy; (u=2, v=0) has no depth
    expected = np.array([
        [(0 - 1) * 1 / 2, (0 - .5) * 1 / 4, 1],
        [(1 - 1) * 2 / 2, (0 - .5) * 2 / 4, 2],
        [(0 - 1) * 4 / 2, (1 - .5) * 4 / 4, 4],
        [(1 - 1) * 5 / 2, (1 - .5) * 5 / 4, 5],
        [(2 - 1) * 6 / 2, (1 - .5) * 6 / 4, 6],
    ])
    np.testing.assert_allclose(points, expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(colors,
                                  image.reshape(-1, 3)[[0, 1, 3, 4, 5]])
    with pytest.raises(ValueError, match='image of shape'):
        backproject(depth, K, image[:1])


def test_ply_binary_and_ascii_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(50, 3)).astype(np.float32)
    colors = rng.integers(0, 256, (50, 3), dtype=np.uint8)
    for binary in (True, False):
        path = tmp_path / f'c{int(binary)}.ply'
        write_ply(path, points, colors, binary=binary)
        header = path.read_bytes().split(b'end_header')[0].decode()
        assert 'element vertex 50' in header
        assert 'property uchar red' in header
        data = read_ply(path)
        cloud = np.stack([data['x'], data['y'], data['z']], 1)
        np.testing.assert_allclose(
            cloud, points, rtol=1e-6 if not binary else 0, atol=1e-6)
        np.testing.assert_array_equal(
            np.stack([data['red'], data['green'], data['blue']], 1), colors)
    write_ply(tmp_path / 'xyz.ply', points)
    assert set(read_ply(tmp_path / 'xyz.ply')) == {'x', 'y', 'z'}


def test_open3d_reads_our_ply_if_installed(tmp_path):
    o3d = pytest.importorskip('open3d')
    points = np.eye(3, dtype=np.float32)
    write_ply(tmp_path / 'p.ply', points, np.full((3, 3), 255, np.uint8))
    cloud = o3d.io.read_point_cloud(str(tmp_path / 'p.ply'))
    np.testing.assert_allclose(np.asarray(cloud.points), points)


def test_synthetic_frame_lies_on_the_ground_plane(tmp_path):
    """A rendered frame (no objects) back-projected with the renderer's own
    intrinsics and exact depth: every point, rotated into the world frame
    (pitch about x), is on the ground plane Y = cam_height (< 1 cm), also
    after a PLY round trip."""
    height, width = 90, 120
    cam_height, pitch = 1.6, 0.12
    scene = dict(cam_height=cam_height, pitch=pitch, objects=[])
    img, depth = render_scene(scene, height, width, max_depth=20.)
    assert (depth > 0).sum() > 0.3 * depth.size
    fx, fy, cx, cy = camera_matrix(height, width)
    points, colors = backproject(depth, pinhole_intrinsics(fx, fy, cx, cy),
                                 img[..., ::-1])
    write_ply(tmp_path / 'ground.ply', points, colors)
    data = read_ply(tmp_path / 'ground.ply')
    for p in (points, np.stack([data['x'], data['y'], data['z']], 1)):
        y_world = p[:, 1] * math.cos(pitch) + p[:, 2] * math.sin(pitch)
        assert np.abs(y_world - cam_height).max() < 0.01
        assert p[:, 2].max() <= 20.


def test_intrinsics_helpers(tmp_path):
    K = intrinsics_from_focal(500., width=640, height=480)
    np.testing.assert_allclose(K,
                               [[500, 0, 319.5], [0, 500, 239.5], [0, 0, 1]])
    K = intrinsics_from_fov(90., width=640, height=480)
    assert K[0, 0] == pytest.approx(320.)
    with pytest.raises(ValueError, match='fov'):
        intrinsics_from_fov(180., 640, 480)
    with pytest.raises(ValueError, match='focal'):
        pinhole_intrinsics(0., 1., 0., 0.)
    # half the size: f halves, pixel centres stay aligned
    K2 = scale_intrinsics(pinhole_intrinsics(100, 100, 49.5, 29.5), .5, .5)
    np.testing.assert_allclose(K2[[0, 1, 0, 1], [0, 1, 2, 2]],
                               [50, 50, 24.5, 14.5])
    calib = tmp_path / 'calib_cam_to_cam.txt'
    calib.write_text('calib_time: 09-Jan-2012 13:57:47\n'
                     'P_rect_00: 1 0 2 0 0 1 3 0 0 0 1 0\n'
                     'P_rect_02: 7.215377e+02 0.000000e+00 6.095593e+02 '
                     '4.485728e+01 0.000000e+00 7.215377e+02 1.728540e+02 '
                     '2.163791e-01 0.000000e+00 0.000000e+00 1.000000e+00 '
                     '2.745884e-03\n')
    K = read_kitti_calib(calib)
    np.testing.assert_allclose(
        K, [[721.5377, 0, 609.5593], [0, 721.5377, 172.854], [0, 0, 1]])
    with pytest.raises(KeyError, match='P_rect_03'):
        read_kitti_calib(calib, 'P_rect_03')
    obj = tmp_path / '000000.txt'
    obj.write_text('P2: 700 0 600 0 0 700 170 0 0 0 1 0\n')
    assert read_kitti_calib(obj)[0, 2] == 600
