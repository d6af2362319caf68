"""SUN RGB-D (evaluation of NYU-trained models)."""
import logging

from mmengine.logging import print_log

from depth.registry import DATASETS
from .base_depth_dataset import BaseDepthDataset


@DATASETS.register_module()
class SUNRGBDDataset(BaseDepthDataset):
    """SUN RGB-D, used for zero-shot evaluation of NYU-trained models.

    Layout: ``data/sunrgbd/SUNRGBD/{kv1,kv2,realsense,xtion}/...`` with the
    split file ``SUNRGBD_val_splits.txt`` (5,050 lines ``<image .jpg>
    <depth .png>`` relative to ``data_root``).

    SUN RGB-D stores depth as uint16 with its 16 bits rotated: the
    millimetre value is ``(v >> 3) | (v << 13)`` (16-bit arithmetic). Every
    data info carries ``depth_decode='sunrgbd'`` so that
    :class:`LoadDepthAnnotation` applies the rotation before dividing by
    ``depth_scale=1000``; the same pipeline as NYU therefore works.

    Evaluation range ``(1e-3, 8]`` and crop ``'nyu_eigen'`` as in the
    original toolbox. Differences from the original: it clipped ground truth
    and prediction to 8 m (so far pixels counted as 8 m), whereas ground
    truth beyond ``max_depth_eval`` is excluded here; and its Eigen crop used
    the absolute bounds [45:471, 41:601] whatever the image size, whereas
    the metric scales the bounds to the frame size (identical at 480x640).

    Args:
        ann_file (str): Defaults to ``'SUNRGBD_val_splits.txt'``.
        data_root (str): Defaults to ``'data/sunrgbd'``.
        data_prefix (dict): Defaults to paths relative to ``data_root``.
        **kwargs: See :class:`BaseDepthDataset`.
    """

    METAINFO: dict = dict(
        depth_scale=1000.0,
        min_depth_eval=1e-3,
        max_depth_eval=8.0,
        crop_type='nyu_eigen')

    def __init__(self,
                 ann_file: str = 'SUNRGBD_val_splits.txt',
                 data_root: str = 'data/sunrgbd',
                 data_prefix: dict = dict(img_path='', depth_map_path=''),
                 **kwargs) -> None:
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            **kwargs)
        if not self.test_mode:
            print_log(
                'SUNRGBDDataset is meant for evaluation (test_mode=True); '
                'it is being used with test_mode=False.',
                logger='current',
                level=logging.WARNING)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """Mark the sample's depth PNG as bit-rotated."""
        info = super().parse_data_info(raw_data_info)
        info['depth_decode'] = 'sunrgbd'
        return info
