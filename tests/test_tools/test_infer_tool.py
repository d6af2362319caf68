"""tools/infer.py on a folder with a nested sub-folder and a short video,
a glob and a single file: every output, names keeping the relative path,
uint16/npy/PLY consistent with each other, the video at the input frame
rate."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from depth.apis import init_model
from depth.testing import REPO_ROOT, load_script
from depth.utils.point_cloud import backproject, intrinsics_from_fov, read_ply

ROOT = REPO_ROOT
CONFIG = osp.join(ROOT, 'configs', 'densedepth', 'mobilenetv2_synthetic.py')
TINY = [
    '--cfg-options', 'model.decode_head.up_sample_channels=[8,8,8,16,16]',
    'model.decode_head.channels=8'
]

TOOL = load_script('tools/infer.py', 'infer_tool')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('infer_tool')
    torch.manual_seed(2)
    model = init_model(
        CONFIG,
        cfg_options={
            'model.decode_head.up_sample_channels': [8, 8, 8, 16, 16],
            'model.decode_head.channels': 8
        })
    ckpt = str(tmp / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), ckpt)
    src = tmp / 'in'
    (src / 'sub').mkdir(parents=True)
    rng = np.random.default_rng(0)
    cv2.imwrite(
        str(src / 'a.png'), rng.integers(0, 256, (120, 160, 3), np.uint8))
    cv2.imwrite(
        str(src / 'sub' / 'b.png'), rng.integers(0, 256, (75, 100, 3),
                                                 np.uint8))
    writer = cv2.VideoWriter(
        str(src / 'sub' / 'clip.mp4'), cv2.VideoWriter_fourcc(*'mp4v'), 12.,
        (96, 64))
    assert writer.isOpened()
    for _ in range(4):
        writer.write(rng.integers(0, 256, (64, 96, 3), np.uint8))
    writer.release()
    return tmp, ckpt, src


def test_folder_with_video_writes_every_output(setup):
    tmp, ckpt, src = setup
    out = tmp / 'out'
    TOOL.main([
        CONFIG, ckpt,
        str(src), '--out-dir',
        str(out), '--save', 'color', 'uint16', 'npy', 'ply', '--fov', '60',
        '--batch-size', '2'
    ] + TINY)
    for rel, (h, w) in (('a', (120, 160)), ('sub/b', (75, 100))):
        base = out / rel
        depth = np.load(f'{base}_depth.npy')
        assert depth.dtype == np.float32 and depth.shape == (h, w)
        assert (depth > 0).all()
        # uint16 PNG: value / 1000 = metres (SyntheticDepthDataset scale)
        png = cv2.imread(f'{base}_depth_x1000.png', cv2.IMREAD_UNCHANGED)
        assert png.dtype == np.uint16 and png.shape == (h, w)
        assert np.abs(png / 1000. - depth).max() <= 0.5 / 1000 + 1e-6
        color = cv2.imread(f'{base}_color.png')
        assert color.shape[0] == h and color.shape[1] > 2 * w
        ply = read_ply(f'{base}.ply')
        cloud = np.stack([ply['x'], ply['y'], ply['z']], 1)
        img = cv2.imread(str(src / f'{rel}.png'))
        ref, rgb = backproject(depth, intrinsics_from_fov(60, w, h),
                               img[..., ::-1])
        assert len(cloud) == h * w
        np.testing.assert_allclose(cloud, ref, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(
            np.stack([ply['red'], ply['green'], ply['blue']], 1), rgb)
    # the video: side by side at the input frame rate, per-frame files
    cap = cv2.VideoCapture(str(out / 'sub' / 'clip_depth.mp4'))
    assert cap.isOpened()
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(12., abs=0.01)
    frames = 0
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames += 1
        assert frame.shape[0] == 64 and frame.shape[1] > 2 * 96
    cap.release()
    assert frames == 4
    for i in range(4):
        assert np.load(out / 'sub' / 'clip' /
                       f'{i:06d}_depth.npy').shape == (64, 96)
        assert osp.isfile(out / 'sub' / 'clip' / f'{i:06d}.ply')


def test_glob_single_file_intrinsics_and_size(setup):
    tmp, ckpt, src = setup
    out = tmp / 'glob'
    TOOL.main([
        CONFIG, ckpt,
        str(src / '**' / '*.png'), '--out-dir',
        str(out), '--save', 'npy', 'ply', '--intrinsics', '100', '90', '50',
        '37', '--size', '60', '80', '--ply-stride', '2'
    ] + TINY)
    depth = np.load(out / 'sub' / 'b_depth.npy')
    assert depth.shape == (75, 100)
    ply = read_ply(out / 'sub' / 'b.ply')
    assert len(ply['x']) == 38 * 50
    # pixel (u=2, v=0) is the second point with stride 2
    z = depth[0, 2]
    assert ply['z'][1] == pytest.approx(z, abs=1e-6)
    assert ply['x'][1] == pytest.approx((2 - 50) * z / 100, abs=1e-5)
    assert ply['y'][1] == pytest.approx((0 - 37) * z / 90, abs=1e-5)
    single = tmp / 'single'
    TOOL.main([
        CONFIG, ckpt,
        str(src / 'sub' / 'b.png'), '--out-dir',
        str(single), '--save', 'uint16', '--depth-scale', '256'
    ] + TINY)
    assert osp.isfile(single / 'b_depth_x256.png')


def test_bad_arguments(setup, capsys):
    tmp, ckpt, src = setup
    with pytest.raises(SystemExit):
        TOOL.main([CONFIG, ckpt, str(src), '--out-dir', 'x', '--save', 'ply'])
    assert '--save ply needs the camera' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        TOOL.main([
            CONFIG, ckpt,
            str(src), '--out-dir', 'x', '--focal', '5', '--fov', '60'
        ])
    with pytest.raises(FileNotFoundError, match='nowhere'):
        TOOL.main([CONFIG, ckpt, str(tmp / 'nowhere'), '--out-dir', 'x'])
