"""NYU-Depth-v2 (BTS "sync" training subset + the official 654 test images)."""
from depth.registry import DATASETS
from .base_depth_dataset import BaseDepthDataset

#: Intrinsics of the NYU-Depth-v2 Kinect colour camera (pixels).
NYU_FX, NYU_FY, NYU_CX, NYU_CY = 518.8579, 519.4696, 325.5824, 253.7362


@DATASETS.register_module()
class NYUDataset(BaseDepthDataset):
    """NYU-Depth-v2.

    Layout: ``data/nyu/<scene>/rgb_XXXXX.jpg`` and
    ``data/nyu/<scene>/sync_depth_XXXXX.png`` with split files
    ``nyu_train.txt`` (24,231 lines) and ``nyu_test.txt`` (654 lines), lines
    ``<rgb> <depth> <focal>`` relative to ``data_root`` (a leading ``/`` is
    stripped).

    Depth PNGs are uint16 millimetres (``depth_scale=1000``); evaluation
    range ``(1e-3, 10]`` with the Eigen crop (rows 45:471, cols 41:601 of
    480x640).

    ``cam_intrinsic`` is the constant 3x3 matrix ``[[fx, 0, cx], [0, fy,
    cy], [0, 0, 1]]`` with fx=518.8579, fy=519.4696, cx=325.5824,
    cy=253.7362 (the original toolbox's matrix put fy in the wrong place).
    ``focal`` is the split file's third column, or fx when absent.

    Args:
        ann_file (str): Defaults to ``'nyu_train.txt'``.
        data_root (str): Defaults to ``'data/nyu'``.
        data_prefix (dict): Defaults to paths relative to ``data_root``.
        **kwargs: See :class:`BaseDepthDataset`.
    """

    METAINFO: dict = dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=10.0,
        crop_type='nyu_eigen')

    def __init__(self,
                 ann_file: str = 'nyu_train.txt',
                 data_root: str = 'data/nyu',
                 data_prefix: dict = dict(img_path='', depth_map_path=''),
                 **kwargs) -> None:
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Add the constant ``cam_intrinsic`` (and ``focal`` if missing)."""
        info = super().parse_data_info(raw_data_info)
        info['cam_intrinsic'] = [[NYU_FX, 0.0, NYU_CX], [0.0, NYU_FY, NYU_CY],
                                 [0.0, 0.0, 1.0]]
        if info['focal'] is None:
            info['focal'] = NYU_FX
        return info
