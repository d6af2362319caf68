"""Predict depth for images, folders, globs and videos.

Examples:
    python tools/infer.py CONFIG CKPT photo.jpg --out-dir out
    python tools/infer.py CONFIG CKPT photos/ --out-dir out \\
        --save color uint16 npy ply --fov 60
    python tools/infer.py CONFIG CKPT 'frames/**/*.png' --out-dir out \\
        --save ply --calib calib_cam_to_cam.txt
    python tools/infer.py CONFIG CKPT drive.mp4 --out-dir out

Per image ``<rel>`` (its path relative to the input folder or to the fixed
part of the glob, without extension; the base name for a single file),
as ``--save`` asks:

- ``color``:  ``<out-dir>/<rel>_color.png``, image | colourised depth with a
  colour bar in metres;
- ``uint16``: ``<out-dir>/<rel>_depth_x<S>.png``, 16-bit PNG of
  ``round(depth * S)`` (``S`` = ``--depth-scale``, default the dataset's,
  e.g. 256 for KITTI: value / S = metres);
- ``npy``:    ``<out-dir>/<rel>_depth.npy``, float32 metres, the input's
  size;
- ``ply``:    ``<out-dir>/<rel>.ply``, the point cloud (x right, y down,
  z forward, metres, RGB) back-projected with the pinhole model from
  ``--intrinsics``, ``--focal``, ``--fov`` or a KITTI ``--calib`` file.

A video (``.mp4``, ``.avi``, ``.mov``, ``.mkv``, ``.webm``, ``.m4v``;
also inside a folder) gives ``<out-dir>/<rel>_depth.mp4``: the input and
its depth side by side, at the input's frame rate, with one colour range
for all frames; ``uint16``/``npy``/``ply`` are written per frame as
``<out-dir>/<rel>/<frame:06d>...``.
"""
import argparse
import glob
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

import depth  # noqa: F401  (registers modules, checkpoint safe globals)
from depth.apis import DepthInferencer
from depth.apis.depth_inferencer import (IMG_EXTENSIONS, find_config,
                                         list_inputs)
from depth.utils.cfg_options import add_cfg_options_argument, load_config
from depth.utils.point_cloud import (backproject, intrinsics_from_focal,
                                     intrinsics_from_fov, pinhole_intrinsics,
                                     read_kitti_calib, write_ply)
from depth.visualization.drawing import render_depth_panel

VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v')
SAVE_KINDS = ('color', 'uint16', 'npy', 'ply')
_UINT16_MAX = 65535


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Predict depth for images, folders, globs and videos',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Per image', 1)[0].split('Examples:')[1])
    parser.add_argument('config', help='config file (or config name)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'input',
        help='an image, a folder (searched recursively), a glob (quote it) '
        'or a video file')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument(
        '--save',
        nargs='+',
        choices=SAVE_KINDS,
        default=['color', 'npy'],
        help='what to write per input (default: color npy)')
    camera = parser.add_mutually_exclusive_group()
    camera.add_argument(
        '--intrinsics',
        nargs=4,
        type=float,
        metavar=('FX', 'FY', 'CX', 'CY'),
        help='pinhole intrinsics in pixels of the input image (OpenCV '
        'convention: the top-left pixel centre is (0, 0))')
    camera.add_argument(
        '--focal',
        type=float,
        metavar='F',
        help='focal length in pixels; principal point at the image centre')
    camera.add_argument(
        '--fov',
        type=float,
        metavar='DEG',
        help='horizontal field of view in degrees; principal point at the '
        'image centre')
    camera.add_argument(
        '--calib',
        metavar='FILE',
        help='KITTI calib_cam_to_cam.txt (P_rect_02) or object calib '
        '(P2)')
    parser.add_argument(
        '--size',
        nargs=2,
        type=int,
        metavar=('H', 'W'),
        help='working size (default: the config\'s test resolution)')
    parser.add_argument(
        '--no-keep-ratio',
        action='store_true',
        help='resize to exactly --size (default: keep the aspect ratio, '
        'long edge <= max(H, W), short edge <= min(H, W))')
    parser.add_argument(
        '--depth-scale',
        type=float,
        help='uint16 PNG value per metre (default: the dataset\'s, KITTI '
        '256, NYU 1000)')
    parser.add_argument('--vmin', type=float, help='colour range start (m)')
    parser.add_argument('--vmax', type=float, help='colour range end (m)')
    parser.add_argument(
        '--cmap', default='magma_r', help='colormap (OpenCV names, _r)')
    parser.add_argument(
        '--ply-stride',
        type=int,
        default=1,
        help='keep every n-th pixel in both directions in the point cloud')
    parser.add_argument(
        '--batch-size', type=int, default=1, help='images per forward pass')
    add_cfg_options_argument(
        parser,
        'override config settings, e.g. model.decode_head.max_depth=80')
    parser.add_argument(
        '--device',
        default='cuda:0' if torch.cuda.is_available() else 'cpu',
        help='device (default: cuda:0 if available, else cpu)')
    args = parser.parse_args(argv)
    if 'ply' in args.save and not (args.intrinsics or args.focal or args.fov
                                   or args.calib):
        parser.error('--save ply needs the camera: --intrinsics FX FY CX CY, '
                     '--focal F, --fov DEG or --calib FILE')
    if args.ply_stride < 1:
        parser.error(f'--ply-stride must be >= 1, got {args.ply_stride}')
    if args.batch_size < 1:
        parser.error(f'--batch-size must be >= 1, got {args.batch_size}')
    if args.depth_scale is not None and args.depth_scale <= 0:
        parser.error(f'--depth-scale must be > 0, got {args.depth_scale}')
    if args.fov is not None and not 0 < args.fov < 180:
        parser.error(f'--fov must be in (0, 180) degrees, got {args.fov}')
    if args.focal is not None and args.focal <= 0:
        parser.error(f'--focal must be > 0 pixels, got {args.focal}')
    return args


def collect(path: str) -> Tuple[List[Tuple[str, str]], List[Tuple[str, str]]]:
    """Images and videos of the input, each with its output name (see the
    module docstring).

    Returns:
        tuple: ``(images, videos)``, lists of ``(path, rel)``.
    """
    exts = IMG_EXTENSIONS + VIDEO_EXTENSIONS
    if osp.isfile(path):
        rel = osp.splitext(osp.basename(path))[0]
        if osp.splitext(path)[1].lower() in VIDEO_EXTENSIONS:
            return [], [(path, rel)]
        return [(path, rel)], []
    if not osp.isdir(path) and not glob.has_magic(path):
        raise FileNotFoundError(f'tools/infer.py: input not found: {path}')
    items = list_inputs(path, extensions=exts)
    images = [(p, r) for p, r in items
              if osp.splitext(p)[1].lower() not in VIDEO_EXTENSIONS]
    videos = [(p, r) for p, r in items
              if osp.splitext(p)[1].lower() in VIDEO_EXTENSIONS]
    return images, videos


def camera_matrix(args: argparse.Namespace, height: int,
                  width: int) -> Optional[np.ndarray]:
    """The ``(3, 3)`` camera matrix of an input of ``height x width`` from
    the arguments (None without camera arguments)."""
    if args.intrinsics is not None:
        return pinhole_intrinsics(*args.intrinsics)
    if args.focal is not None:
        return intrinsics_from_focal(args.focal, width, height)
    if args.fov is not None:
        return intrinsics_from_fov(args.fov, width, height)
    if args.calib is not None:
        return read_kitti_calib(args.calib)
    return None


def scale_name(scale: float) -> str:
    """``256.0`` -> ``'256'``, ``0.5`` -> ``'0p5'`` (for file names)."""
    if float(scale).is_integer():
        return str(int(scale))
    return f'{scale:g}'.replace('.', 'p')


def to_uint16(depth_map: np.ndarray, scale: float) -> Tuple[np.ndarray, int]:
    """``round(depth_map * scale)`` as uint16 (invalid -> 0) and the number of
    pixels clipped to 65535."""
    values = depth_map.astype(np.float64) * scale
    values = np.where(np.isfinite(values), values, 0.)
    clipped = int((values > _UINT16_MAX + 0.5).sum())
    return np.clip(np.rint(values), 0, _UINT16_MAX).astype(np.uint16), clipped


class Writer:
    """Writes the outputs of one prediction as ``--save`` asks."""

    def __init__(self, args: argparse.Namespace, depth_scale: float,
                 vrange: Tuple[Optional[float], Optional[float]]) -> None:
        self.args = args
        self.save = set(args.save)
        self.depth_scale = depth_scale
        self.vrange = vrange
        self.num_clipped = 0

    def __call__(self,
                 base: str,
                 image_bgr: Optional[np.ndarray],
                 depth_map: np.ndarray,
                 color: bool = True) -> None:
        """Write the outputs of ``base`` (``<out-dir>/<rel>`` or a frame's
        ``<out-dir>/<rel>/<index>``)."""
        os.makedirs(osp.dirname(base) or '.', exist_ok=True)
        if color and 'color' in self.save:
            picture = render_depth_panel(
                image_bgr[..., ::-1],
                depth_map,
                *self.vrange,
                cmap=self.args.cmap)
            _imwrite(f'{base}_color.png', picture[..., ::-1])
        if 'uint16' in self.save:
            png, clipped = to_uint16(depth_map, self.depth_scale)
            self.num_clipped += clipped
            _imwrite(f'{base}_depth_x{scale_name(self.depth_scale)}.png', png)
        if 'npy' in self.save:
            np.save(f'{base}_depth.npy', depth_map.astype(np.float32))
        if 'ply' in self.save:
            height, width = depth_map.shape
            K = camera_matrix(self.args, height, width)
            mask = None
            stride = self.args.ply_stride
            if stride > 1:
                mask = np.zeros(depth_map.shape, dtype=bool)
                mask[::stride, ::stride] = True
            points, colors = backproject(depth_map, K, image_bgr[..., ::-1],
                                         mask)
            write_ply(f'{base}.ply', points, colors)


def _imwrite(path: str, img: np.ndarray) -> None:
    if not cv2.imwrite(path, img):
        raise OSError(f'tools/infer.py: could not write {path}')


def read_image(path: str) -> np.ndarray:
    img = cv2.imread(path, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f'tools/infer.py: cannot read the image {path}')
    return img


def run_images(inferencer: DepthInferencer, images: List[Tuple[str, str]],
               writer: Writer, args: argparse.Namespace) -> None:
    bar = ProgressBar(len(images))
    for start in range(0, len(images), args.batch_size):
        chunk = images[start:start + args.batch_size]
        # paths: the inferencer decodes large JPEGs at a reduced size; the
        # full image is read again only for the pictures and point colours
        preds = inferencer([p for p, _ in chunk],
                           batch_size=args.batch_size)['predictions']
        for (path, rel), pred in zip(chunk, preds):
            img = read_image(path) if writer.save & {'color', 'ply'} else None
            writer(osp.join(args.out_dir, rel), img, pred)
            bar.update()
    sys.stdout.write('\n')


def run_video(inferencer: DepthInferencer, path: str, rel: str, writer: Writer,
              args: argparse.Namespace) -> str:
    """Predict every frame of a video; returns the output video path."""
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise ValueError(f'tools/infer.py: cannot open the video {path}')
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not fps or not np.isfinite(fps) or fps <= 0:
        fps = 30.
    total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
    out_file = osp.join(args.out_dir, f'{rel}_depth.mp4')
    os.makedirs(osp.dirname(out_file), exist_ok=True)
    video_writer = None
    bar = ProgressBar(total) if total > 0 else None
    index = 0
    try:
        while True:
            frames = []
            while len(frames) < args.batch_size:
                ok, frame = cap.read()
                if not ok:
                    break
                frames.append(frame)
            if not frames:
                break
            preds = inferencer(
                frames, batch_size=args.batch_size)['predictions']
            for frame, pred in zip(frames, preds):
                picture = render_depth_panel(
                    frame[..., ::-1],
                    pred,
                    *writer.vrange,
                    cmap=args.cmap,
                    max_side=None)[..., ::-1]
                if video_writer is None:
                    height, width = picture.shape[:2]
                    video_writer = cv2.VideoWriter(
                        out_file, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                        (width, height))
                    if not video_writer.isOpened():
                        raise OSError('tools/infer.py: cannot write the '
                                      f'video {out_file}')
                video_writer.write(np.ascontiguousarray(picture))
                if writer.save - {'color'}:
                    writer(
                        osp.join(args.out_dir, rel, f'{index:06d}'),
                        frame,
                        pred,
                        color=False)
                index += 1
                if bar is not None:
                    bar.update()
    finally:
        cap.release()
        if video_writer is not None:
            video_writer.release()
    if bar is not None:
        sys.stdout.write('\n')
    if index == 0:
        raise ValueError(f'tools/infer.py: no frame could be read from '
                         f'{path}')
    return out_file


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    images, videos = collect(args.input)
    if not images and not videos:
        raise SystemExit(f'tools/infer.py: no image or video in '
                         f'{args.input}')
    if args.calib is not None:
        read_kitti_calib(args.calib)  # a bad file fails before inference
    config = args.config
    if not osp.isfile(config):
        config = find_config(config)
    cfg = load_config(config, args.cfg_options)
    inferencer = DepthInferencer(
        cfg,
        args.checkpoint,
        device=args.device,
        size=args.size,
        keep_ratio=not args.no_keep_ratio,
        show_progress=False,
        cmap=args.cmap)
    meta = inferencer.dataset_meta
    depth_scale = args.depth_scale or float(meta.get('depth_scale', 1000.))
    min_depth, max_depth = inferencer.model.depth_range()
    image_range = (args.vmin, args.vmax)
    video_range = (args.vmin if args.vmin is not None else min_depth,
                   args.vmax if args.vmax is not None else max_depth)
    print_log(
        f'tools/infer.py: {len(images)} images, {len(videos)} videos, '
        f'working size {inferencer.size} (keep ratio: '
        f'{inferencer.keep_ratio}), writing {" ".join(args.save)} to '
        f'{args.out_dir}',
        logger='current')
    os.makedirs(args.out_dir, exist_ok=True)
    writer = Writer(args, depth_scale, image_range)
    if images:
        run_images(inferencer, images, writer, args)
    writer.vrange = video_range
    for path, rel in videos:
        out_file = run_video(inferencer, path, rel, writer, args)
        print_log(f'tools/infer.py: {path} -> {out_file}', logger='current')
    if writer.num_clipped:
        print_log(
            f'tools/infer.py: {writer.num_clipped} pixels were deeper than '
            f'{_UINT16_MAX / depth_scale:.1f} m and clipped to 65535 in the '
            'uint16 PNGs (pass a smaller --depth-scale)',
            logger='current')


if __name__ == '__main__':
    main()
