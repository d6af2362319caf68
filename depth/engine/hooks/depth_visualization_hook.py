"""Draw depth predictions during validation and testing."""
import logging
import os.path as osp
import warnings
from typing import Any, Optional, Sequence

import cv2
import mmcv
from mmengine.fileio import get
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.visualization import Visualizer

from depth.evaluation.metrics.depth_metric import output_name
from depth.registry import HOOKS
from depth.visualization import DepthLocalVisualizer


@HOOKS.register_module()
class DepthVisualizationHook(Hook):
    """Draw ``[image | ground truth | prediction]`` panels in val and test.

    Mirrors mmseg's ``SegVisualizationHook``:

    * ``after_val_iter``: the first sample of every ``interval``-th batch
      is sent to the visualizer's backends (``vis_data/vis_image`` with
      ``LocalVisBackend``; TensorBoard with ``TensorboardVisBackend``).
    * ``after_test_iter``: every sample is drawn. With ``show_dir`` the
      panels are written as ``<show_dir>/<name>.png``; without it they go
      to the backends.

    ``tools/test.py --show-dir DIR`` sets ``draw=True`` and ``show_dir=DIR``
    on ``default_hooks.visualization``; a relative ``show_dir`` is placed
    under ``<work_dir>/<timestamp>/`` (as mmdet's ``test_out_dir``).

    ``<name>`` is :func:`depth.evaluation.metrics.depth_metric.output_name`
    of the image path and the dataset's ``data_root``: the path relative to
    ``data_root`` (the whole path when the image is not under it) without
    extension, with ``'/'`` replaced by ``'_'``, so KITTI frames of
    different drives do not overwrite each other, and the panel of an image
    has the name of its ``tools/test.py --out`` prediction PNG.

    The image is read from the sample's ``img_path`` (RGB) and resized to
    the prediction's size, so that panels line up even when the test
    pipeline cropped the image (KITTI KB crop); a sample without
    ``img_path`` is skipped with a warning.

    Args:
        draw (bool): Draw at all. Defaults to False.
        interval (int): Draw every ``interval``-th val batch.
            Defaults to 50.
        show (bool): Display the panels in a window (the vis backends are
            then disabled, as in mmseg). Defaults to False.
        wait_time (float): Display time in seconds. Defaults to 0.
        show_dir (str, optional): Folder of the test panels, see above.
            Defaults to None.
        backend_args (dict, optional): File backend arguments for reading
            images. Defaults to None.
    """

    def __init__(self,
                 draw: bool = False,
                 interval: int = 50,
                 show: bool = False,
                 wait_time: float = 0.,
                 show_dir: Optional[str] = None,
                 backend_args: Optional[dict] = None) -> None:
        if interval < 1:
            raise ValueError(
                f'DepthVisualizationHook: interval must be >= 1, got '
                f'{interval}.')
        self._visualizer: Visualizer = Visualizer.get_current_instance()
        self.interval = interval
        self.show = show
        if self.show:
            # Only display: nothing is stored by the backends.
            self._visualizer._vis_backends = {}
            warnings.warn('DepthVisualizationHook: show=True, the panels '
                          'are displayed and not stored by the vis '
                          'backends.')
        self.wait_time = wait_time
        self.show_dir = show_dir
        self.backend_args = None if backend_args is None else dict(
            backend_args)
        self.draw = draw
        self._test_index = 0
        self._warned_no_path = False

    # ---------------------------------------------------------------- utils
    def _check_visualizer(self) -> None:
        if not isinstance(self._visualizer, DepthLocalVisualizer):
            raise TypeError(
                'DepthVisualizationHook needs the runner visualizer to be a '
                'DepthLocalVisualizer (visualizer=dict(type='
                f"'DepthLocalVisualizer', ...)), got "
                f'{type(self._visualizer).__name__}.')

    @staticmethod
    def _data_root(runner: Any, mode: str) -> Optional[str]:
        try:
            loader = getattr(runner, f'{mode}_dataloader', None)
            dataset = getattr(loader, 'dataset', None)
            return getattr(dataset, 'data_root', None)
        except Exception:  # an unbuilt loader must not break drawing
            return None

    @staticmethod
    def _name(img_path: str, data_root: Optional[str]) -> str:
        return osp.splitext(output_name(img_path, data_root))[0]

    def _read_image(self, data_sample: Any) -> Optional[Any]:
        img_path = data_sample.get('img_path', None)
        if img_path is None:
            if not self._warned_no_path:
                print_log(
                    'DepthVisualizationHook: data sample without img_path, '
                    'not drawn (warned once).',
                    logger='current',
                    level=logging.WARNING)
                self._warned_no_path = True
            return None
        img_bytes = get(img_path, backend_args=self.backend_args)
        img = mmcv.imfrombytes(img_bytes, channel_order='rgb')
        pred = data_sample.get('pred_depth_map', None)
        if pred is not None:
            height, width = pred.shape
            if img.shape[:2] != (height, width):
                img = cv2.resize(
                    img, (width, height), interpolation=cv2.INTER_LINEAR)
        return img

    def _test_out_dir(self, runner: Any) -> Optional[str]:
        if self.show_dir is None:
            return None
        return osp.join(runner.work_dir, runner.timestamp, self.show_dir)

    # ---------------------------------------------------------------- hooks
    def after_val_iter(self, runner: Any, batch_idx: int, data_batch: dict,
                       outputs: Sequence[Any]) -> None:
        """Draw the first sample of every ``interval``-th val batch."""
        if not self.draw or not outputs:
            return
        if not self.every_n_inner_iters(batch_idx, self.interval):
            return
        self._check_visualizer()
        sample = outputs[0]
        img = self._read_image(sample)
        if img is None:
            return
        name = self._name(sample.img_path, self._data_root(runner, 'val'))
        self._visualizer.add_datasample(
            f'val_{name}',
            img,
            data_sample=sample,
            show=self.show,
            wait_time=self.wait_time,
            step=runner.iter)

    def after_test_iter(self, runner: Any, batch_idx: int, data_batch: dict,
                        outputs: Sequence[Any]) -> None:
        """Draw every test sample."""
        if not self.draw:
            return
        self._check_visualizer()
        out_dir = self._test_out_dir(runner)
        data_root = self._data_root(runner, 'test')
        for sample in outputs:
            self._test_index += 1
            img = self._read_image(sample)
            if img is None:
                continue
            name = self._name(sample.img_path, data_root)
            out_file = (None if out_dir is None else osp.join(
                out_dir, f'{name}.png'))
            self._visualizer.add_datasample(
                f'test_{name}' if out_file is None else name,
                img,
                data_sample=sample,
                show=self.show,
                wait_time=self.wait_time,
                out_file=out_file,
                step=self._test_index)
