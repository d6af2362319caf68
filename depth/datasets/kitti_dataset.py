"""KITTI depth (Eigen and benchmark splits)."""
import os.path as osp
import re
from typing import Dict, List, Optional

from mmengine import fileio

from depth.registry import DATASETS
from .base_depth_dataset import BaseDepthDataset

#: Rectified projection matrices ``P_rect_02`` (3x4, left colour camera) of
#: the KITTI raw recordings, from each date's ``calib_cam_to_cam.txt``. The
#: original toolbox uses P2 for both ``image_02`` and ``image_03`` frames;
#: the intrinsic part (fx, fy, cx, cy) of the two rectified cameras is the
#: same, only the baseline column differs.
KITTI_P2: Dict[str, List[List[float]]] = {
    '2011_09_26': [[7.215377e+02, 0.000000e+00, 6.095593e+02, 4.485728e+01],
                   [0.000000e+00, 7.215377e+02, 1.728540e+02, 2.163791e-01],
                   [0.000000e+00, 0.000000e+00, 1.000000e+00, 2.745884e-03]],
    '2011_09_28': [[7.070493e+02, 0.000000e+00, 6.040814e+02, 4.575831e+01],
                   [0.000000e+00, 7.070493e+02, 1.805066e+02, -3.454157e-01],
                   [0.000000e+00, 0.000000e+00, 1.000000e+00, 4.981016e-03]],
    '2011_09_29': [[7.183351e+02, 0.000000e+00, 6.003891e+02, 4.450382e+01],
                   [0.000000e+00, 7.183351e+02, 1.815122e+02, -5.951107e-01],
                   [0.000000e+00, 0.000000e+00, 1.000000e+00, 2.616315e-03]],
    '2011_09_30': [[7.070912e+02, 0.000000e+00, 6.018873e+02, 4.688783e+01],
                   [0.000000e+00, 7.070912e+02, 1.831104e+02, 1.178601e-01],
                   [0.000000e+00, 0.000000e+00, 1.000000e+00, 6.203223e-03]],
    '2011_10_03': [[7.188560e+02, 0.000000e+00, 6.071928e+02, 4.538225e+01],
                   [0.000000e+00, 7.188560e+02, 1.852157e+02, -1.130887e-01],
                   [0.000000e+00, 0.000000e+00, 1.000000e+00, 3.779761e-03]],
}

_DATE_RE = re.compile(r'^\d{4}_\d{2}_\d{2}$')


@DATASETS.register_module()
class KITTIDataset(BaseDepthDataset):
    """KITTI depth prediction (Eigen split or the official benchmark).

    Layout (see ``docs/dataset_prepare.md``)::

        data/kitti/
            input/<date>/<date>_drive_<id>_sync/image_0{2,3}/data/*.png
            gt_depth/<date>_drive_<id>_sync/proj_depth/groundtruth/image_0{2,3}/*.png
            benchmark_test/*.png   benchmark_cam/*.txt
            kitti_eigen_train.txt  kitti_eigen_test.txt  ...

    Depth PNGs are uint16 with ``depth_scale=256`` (0 = no LiDAR point).
    Evaluation range ``(1e-3, 80]`` and the Garg crop by default (the
    benchmark configs use ``max_depth_eval=88``).

    ``cam_intrinsic`` (list of lists of float) is the 3x4 ``P_rect_02`` of
    the recording date, found as a directory named exactly ``YYYY_MM_DD`` in
    the image path; for frames without a date directory (benchmark test)
    it is the 3x3 matrix read from ``<data_root>/<cam_dir>/<image
    name>.txt`` (9 numbers). ``focal`` is the split file's third column, or
    ``fx`` of the intrinsics when the line has none.

    Args:
        ann_file (str): Split file relative to ``data_root``.
        data_root (str): Defaults to ``'data/kitti'``.
        data_prefix (dict): Defaults to
            ``dict(img_path='input', depth_map_path='gt_depth')``.
        cam_dir (str, optional): Folder of per-frame intrinsics files,
            relative to ``data_root`` (e.g. ``'benchmark_cam'``). Needed only
            for images without a date directory.
        **kwargs: See :class:`BaseDepthDataset`.
    """

    METAINFO: dict = dict(
        depth_scale=256.0,
        min_depth_eval=1e-3,
        max_depth_eval=80.0,
        crop_type='kitti_garg')

    def __init__(self,
                 ann_file: str = 'kitti_eigen_train.txt',
                 data_root: str = 'data/kitti',
                 data_prefix: dict = dict(
                     img_path='input', depth_map_path='gt_depth'),
                 cam_dir: Optional[str] = None,
                 **kwargs) -> None:
        if cam_dir is not None and data_root and not osp.isabs(cam_dir):
            cam_dir = fileio.join_path(data_root, cam_dir)
        self.cam_dir = cam_dir
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Add ``cam_intrinsic`` (and ``focal`` if missing)."""
        info = super().parse_data_info(raw_data_info)
        info['cam_intrinsic'] = self._intrinsic(raw_data_info)
        if info['focal'] is None:
            info['focal'] = float(info['cam_intrinsic'][0][0])
        return info

    def _intrinsic(self, raw: dict) -> List[List[float]]:
        parts = raw['img_path'].replace('\\', '/').split('/')
        for part in reversed(parts[:-1]):
            if _DATE_RE.match(part):
                if part not in KITTI_P2:
                    raise KeyError(
                        f'{raw["source"]}: no KITTI calibration for date '
                        f'{part!r} (known: {sorted(KITTI_P2)}).')
                return [row[:] for row in KITTI_P2[part]]
        if self.cam_dir is None:
            raise ValueError(
                f'{raw["source"]}: image path {raw["img_path"]} has no '
                'KITTI date directory (YYYY_MM_DD) to pick the calibration; '
                'set cam_dir to the folder of per-frame intrinsics files '
                '(e.g. cam_dir="benchmark_cam").')
        name = osp.splitext(osp.basename(raw['img_path']))[0]
        cam_file = fileio.join_path(self.cam_dir, name + '.txt')
        try:
            text = fileio.get_text(cam_file, backend_args=self.backend_args)
        except FileNotFoundError:
            raise FileNotFoundError(
                f'{raw["source"]}: camera intrinsics file not found: '
                f'{cam_file}') from None
        try:
            values = [float(v) for v in text.split()]
        except ValueError:
            raise ValueError(f'{cam_file}: intrinsics must be numbers, got '
                             f'{text.strip()!r}') from None
        if len(values) not in (9, 12):
            raise ValueError(f'{cam_file}: expected 9 numbers (3x3) or 12 '
                             f'(3x4), found {len(values)}.')
        cols = len(values) // 3
        return [values[r * cols:(r + 1) * cols] for r in range(3)]
