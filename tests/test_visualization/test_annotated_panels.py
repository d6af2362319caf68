"""The annotated panels of DepthLocalVisualizer (titles, colour bars in
metres, abs_rel error map, per-image metrics), the colour bar and tick
helpers, and one name for an image's --show-dir panel and --out PNG."""
import os.path as osp
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmengine.visualization import Visualizer

from depth.engine import DepthVisualizationHook
from depth.evaluation import depth_metrics
from depth.structures import DepthDataSample
from depth.testing import depth_metric
from depth.visualization import DepthLocalVisualizer, colormap_lut
from depth.visualization.drawing import colorbar, nice_ticks


@pytest.fixture(autouse=True)
def clear_instances():
    yield
    Visualizer._instance_dict.clear()


def _sample(h=60, w=80):
    gt = np.tile(np.linspace(1., 9., w, dtype=np.float32), (h, 1))
    gt[:10] = 0.  # invalid rows
    pred = gt.copy()
    pred[10:, :40] *= 1.2  # 20 % too far on the left half
    pred[:10] = 5.
    sample = DepthDataSample()
    sample.gt_depth_map = PixelData(data=torch.from_numpy(gt)[None])
    sample.pred_depth_map = PixelData(data=torch.from_numpy(pred)[None])
    return sample, gt, pred


def test_nice_ticks_and_colorbar():
    assert nice_ticks(0., 20.) == [0., 5., 10., 15., 20.]
    assert nice_ticks(1e-3, 80.) == [20., 40., 60., 80.]
    assert nice_ticks(0.5, 0.5) == [0.5]
    bar = colorbar(200, 0., 10., cmap='magma_r')
    assert bar.shape[0] == 200 and bar.dtype == np.uint8
    lut = colormap_lut('magma_r')
    # the gradient column: far (vmax, last colour) at the top
    column = bar[:, bar.shape[1] // 8 + 2]
    top = next(i for i in range(200) if (column[i] != 255).any())
    assert np.abs(column[top + 2].astype(int) - lut[255]).max() <= 8
    assert np.abs(column[200 - top - 3].astype(int) - lut[0]).max() <= 8


def test_annotated_panel_content(tmp_path):
    vis = DepthLocalVisualizer(name='annotated', vmin=0., vmax=10.)
    sample, gt, pred = _sample()
    image = np.full((60, 80, 3), 90, np.uint8)
    out_file = str(tmp_path / 'panel.png')
    vis.add_datasample('drive/0001', image, sample, out_file=out_file)
    drawn = cv2.imread(out_file)[..., ::-1]
    assert np.array_equal(vis.get_image(), drawn)
    # a metrics line and titles above the 60-row panels, four panels with
    # colour bars beside
    assert drawn.shape[0] > 60 + 20 and drawn.shape[1] > 4 * 80
    strip = drawn.shape[0] - 60
    # the image panel sits under the text strips, unchanged
    assert np.array_equal(drawn[strip:, :80], image)
    metrics, mask = vis.image_metrics(pred, gt, sample)
    ref = depth_metrics(
        torch.from_numpy(pred)[torch.from_numpy(mask)],
        torch.from_numpy(gt)[torch.from_numpy(mask)])
    assert metrics['abs_rel'] == pytest.approx(ref['abs_rel'])
    assert metrics['abs_rel'] == pytest.approx(0.1, abs=0.01)
    assert mask.sum() == 50 * 80


def test_error_panel_colours():
    vis = DepthLocalVisualizer(name='err', vmin=0., vmax=10., error_vmax=0.4)
    sample, gt, pred = _sample()
    vis.add_datasample('x', np.zeros((60, 80, 3), np.uint8), sample)
    drawn = vis.get_image()
    strip = drawn.shape[0] - 60
    lut = colormap_lut('inferno')
    # find the error panel: the last block whose top-left pixel is grey
    # (invalid rows) and whose bottom-right is the zero-error colour
    rows = drawn[strip:]
    grey = np.all(rows[0] == 128, axis=-1)
    starts = [
        i for i in range(1, rows.shape[1]) if grey[i] and not grey[i - 1]
    ]
    x0 = starts[-1]
    err = rows[:, x0:x0 + 80]
    assert (err[:10] == 128).all()  # invalid ground truth
    # right half: exact prediction -> first colour; left half: abs_rel 0.2
    # of error_vmax 0.4 -> the middle colour
    assert np.abs(err[30, 60].astype(int) - lut[0]).max() <= 1
    assert np.abs(err[30, 20].astype(int) - lut[128]).max() <= 2


def test_show_dir_panel_and_out_png_share_a_name(tmp_path):
    """What tools/test.py --show-dir and --out write for one image: the
    same file name (relative to the data root, '/' -> '_')."""
    data_root = tmp_path / 'kitti'
    img_path = str(data_root / '2011_09_26' / 'drive_0002' / '0005.png')
    import os
    os.makedirs(osp.dirname(img_path))
    cv2.imwrite(img_path, np.zeros((6, 8, 3), np.uint8))
    sample = DepthDataSample(metainfo=dict(img_path=img_path))
    sample.gt_depth_map = PixelData(data=torch.full((1, 6, 8), 3.))
    sample.pred_depth_map = PixelData(data=torch.full((1, 6, 8), 2.))

    metric = depth_metric(
        1e-3,
        80.,
        metric_args=dict(
            output_dir=str(tmp_path / 'out'),
            output_root=str(data_root),
            depth_scale=256.))
    metric.process({}, [sample])
    DepthLocalVisualizer.get_instance('names')
    hook = DepthVisualizationHook(draw=True, show_dir=str(tmp_path / 'vis'))
    runner = SimpleNamespace(
        work_dir=str(tmp_path),
        timestamp='t',
        test_dataloader=SimpleNamespace(
            dataset=SimpleNamespace(data_root=str(data_root))))
    hook.after_test_iter(runner, 0, {}, [sample])
    assert os.listdir(tmp_path / 'out') == os.listdir(
        tmp_path / 'vis') == ['2011_09_26_drive_0002_0005.png']
