import math
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from depth.evaluation import DepthMetric
from depth.evaluation.metrics import depth_metric as depth_metric_module
from depth.registry import METRICS
from depth.testing import depth_metric, depth_sample


def _sample(pred, gt=None, img_path='scene/img_0.png', **meta):
    return depth_sample(gt, pred, img_path=img_path, **meta)


@pytest.fixture
def logs(monkeypatch):
    """Capture DepthMetric's print_log messages."""
    messages = []

    def fake_print_log(msg, logger=None, level=None):
        messages.append(msg)

    monkeypatch.setattr(depth_metric_module, 'print_log', fake_print_log)
    return messages


def test_registered():
    metric = METRICS.build(dict(type='DepthMetric'))
    assert isinstance(metric, DepthMetric)


def test_per_image_mean_not_pixel_pooled(logs):
    # image A: 1 valid pixel, abs_rel |2-1|/1 = 1
    gt_a = [[1., 0.], [0., 0.]]
    pred_a = [[2., 7.], [7., 7.]]
    # image B: 3 valid pixels, all exact: abs_rel 0; the 0 GT pixel is
    # invalid whatever the prediction
    gt_b = [[3., 3.], [3., 0.]]
    pred_b = [[3., 3.], [3., 9.]]
    metric = depth_metric(1e-3, 10., None)
    # one sample as DepthDataSample, one as the dict mmengine passes
    metric.process({}, [_sample(pred_a, gt_a, 'a.png')])
    metric.process({}, [_sample(pred_b, gt_b, 'b.png').to_dict()])
    assert [r['img_path'] for r in metric.results] == ['a.png', 'b.png']
    out = metric.evaluate(2)
    # per-image mean: (1 + 0) / 2 = 0.5; pooled would be 1 / 4 = 0.25
    assert out['abs_rel'] == pytest.approx(0.5)
    # d1: A: ratio 2 -> 0; B: 1 -> (0 + 1) / 2
    assert out['d1'] == pytest.approx(0.5)
    # rmse: A: 1, B: 0 -> 0.5 (pooled: sqrt(1/4) = 0.5 too, but sq_rel
    # differs: A: 1/1 = 1, B: 0 -> 0.5, pooled 0.25)
    assert out['sq_rel'] == pytest.approx(0.5)
    # silog of one pixel is 0 (no variance)
    assert out['silog'] == pytest.approx(0.)
    assert set(out) == {
        'd1', 'd2', 'd3', 'abs_rel', 'sq_rel', 'rmse', 'rmse_log', 'log10',
        'silog'
    }
    assert any('over 2 images' in m for m in logs)


def test_settings_from_dataset_meta_only(logs):
    gt = torch.full((480, 640), 5.)
    gt[0, 0] = 50.  # outside the NYU crop and above the range
    pred = gt.clone()
    pred[0, 0] = 1.  # would ruin the metrics if it were evaluated
    metric = DepthMetric()
    metric.dataset_meta = dict(
        min_depth_eval=1e-3, max_depth_eval=10., crop_type='nyu_eigen')
    metric.process({}, [_sample(pred, gt)])
    assert metric.results[0]['num_pixels'] == (471 - 45) * (601 - 41)
    assert metric.evaluate(1)['abs_rel'] == 0.
    # a value in a sample's metainfo is not a second home: ignored
    metric.process({}, [_sample(pred, gt, max_depth_eval=60.)])
    assert metric.results[0]['num_pixels'] == (471 - 45) * (601 - 41)
    metric = depth_metric(1e-3, 60., None)
    metric.process({}, [_sample(pred, gt)])
    assert metric.results[0]['num_pixels'] == 480 * 640
    # no dataset_meta: an error that says where the settings live
    with pytest.raises(KeyError, match=r'max_depth_eval.*dataset'):
        DepthMetric().process({}, [_sample(pred, gt)])
    # the old metric arguments: an error that says where they went
    for key in ('min_depth_eval', 'max_depth_eval', 'crop_type'):
        with pytest.raises(TypeError, match=f'{key}.*set on the dataset'):
            DepthMetric(**{key: None})
    with pytest.raises(TypeError, match='unexpected.*max_depth'):
        DepthMetric(max_depth=10)


def test_metric_subset_and_prefix(logs):
    metric = depth_metric(
        metric_args=dict(depth_metrics=['rmse', 'd1'], prefix='nyu'))
    metric.process({}, [_sample([[2.]], [[1.]])])
    assert metric.evaluate(1) == {'nyu/d1': 0., 'nyu/rmse': 1.}
    with pytest.raises(KeyError, match='a1'):
        DepthMetric(depth_metrics=['a1'])


def test_empty_image_skipped_and_counted(logs):
    metric = depth_metric(1e-3, 10., None)
    metric.process(
        {},
        [
            _sample([[2.]], [[1.]], 'a.png'),
            _sample([[5.]], [[0.]], 'empty.png'),  # no valid pixel
            _sample([[1.]], [[1.]], 'c.png'),
        ])
    # one entry per image, in order, even for the skipped one
    assert [r['img_path']
            for r in metric.results] == ['a.png', 'empty.png', 'c.png']
    out = metric.evaluate(3)
    assert out['abs_rel'] == pytest.approx(0.5)  # (1 + 0) / 2
    assert any('1 of 3 images' in m and 'skipped' in m for m in logs)


def test_all_empty_gives_nan(logs):
    metric = depth_metric()
    metric.process({}, [_sample([[5.]], [[0.]])])
    out = metric.evaluate(1)
    assert math.isnan(out['abs_rel'])


def test_nonfinite_and_nonpositive_predictions_counted(logs):
    gt = [[1., 2., 4., 8.]]
    pred = [[float('nan'), float('inf'), 0., 8.]]
    metric = depth_metric(0.5, 10., None)
    metric.process({}, [_sample(pred, gt)])
    res = metric.results[0]
    assert res['num_nonfinite'] == 2 and res['num_small'] == 1
    out = metric.evaluate(1)
    # nan -> 0.5, inf -> 10; abs_rel = (0.5/1 + 8/2 + 4/4 + 0) / 4
    assert out['abs_rel'] == pytest.approx((0.5 + 4 + 1 + 0) / 4)
    assert all(math.isfinite(v) for v in out.values())
    assert any('2 non-finite' in m for m in logs)
    assert any('1 predicted values below 1e-6' in m for m in logs)


def test_shape_mismatch_names_image():
    metric = depth_metric()
    with pytest.raises(ValueError, match=r'bad\.png.*\(2, 3\).*\(3, 2\)'):
        metric.process({},
                       [_sample(np.ones((2, 3)), np.ones((3, 2)), 'bad.png')])


def test_missing_gt_explains_format_only():
    metric = depth_metric()
    with pytest.raises(KeyError, match='format_only'):
        metric.process({}, [_sample(np.ones((2, 3)), None, 'x.png')])


def test_baseline_numbers(logs):
    gt = [[1., 2., 4.]]
    pred = [[1., 2., 4.]]
    metric = depth_metric(median_train_depth=2.)
    metric.process({}, [_sample(pred, gt)])
    out = metric.evaluate(1)
    # constant 2: |g-c|/g = 1/1, 0, 2/4; (g-c)^2 = 1, 0, 4;
    # ratios 2, 1, 2 -> one of three below 1.25
    assert out['baseline_abs_rel'] == pytest.approx((1 + 0 + 0.5) / 3)
    assert out['baseline_rmse'] == pytest.approx(math.sqrt(5 / 3))
    assert out['baseline_d1'] == pytest.approx(1 / 3)
    assert out['abs_rel'] == 0.
    assert any('constant-median baseline 0.5000' in m for m in logs)
    # the argument wins over dataset_meta
    metric = depth_metric(
        median_train_depth=2., metric_args=dict(baseline_depth=4.))
    metric.process({}, [_sample(pred, gt)])
    assert metric.evaluate(1)['baseline_abs_rel'] == pytest.approx(
        (3 + 1 + 0) / 3)
    # no baseline without a median
    metric = depth_metric()
    metric.process({}, [_sample(pred, gt)])
    assert 'baseline_abs_rel' not in metric.evaluate(1)


def test_output_dir_png_round_trip(tmp_path, logs):
    out_dir = str(tmp_path / 'pred')
    pred = np.array([[1.2344, 2.0006], [0., 70.]], dtype=np.float32)
    gt = np.array([[1.2, 2.], [1., 5.]], dtype=np.float32)
    metric = depth_metric(metric_args=dict(output_dir=out_dir))
    metric.process({}, [
        _sample(
            pred, gt, '/data/nyu/bathroom/rgb_00045.jpg', depth_scale=1000.)
    ])
    out = metric.evaluate(1)
    assert 'abs_rel' in out
    path = osp.join(out_dir, 'data_nyu_bathroom_rgb_00045.png')
    png = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint16
    # round(1234.4) = 1234, round(2000.6) = 2001, 70 m * 1000 > 65535
    assert png.tolist() == [[1234, 2001], [0, 65535]]
    assert any('1 predicted values outside [0, 65535 / depth_scale]' in m
               for m in logs)


def test_output_needs_a_depth_scale(tmp_path):
    metric = DepthMetric(output_dir=str(tmp_path))
    with pytest.raises(ValueError, match='depth_scale'):
        metric.process({}, [_sample([[1.]], [[1.]], 'x.png')])


def test_format_only_writes_without_gt(tmp_path, logs):
    out_dir = str(tmp_path / 'submit')
    with pytest.raises(ValueError, match='output_dir'):
        DepthMetric(format_only=True)
    metric = DepthMetric(
        format_only=True, output_dir=out_dir, depth_scale=256.)
    metric.process({}, [
        _sample([[1.5, 80.]], None, 'benchmark_test/0000000000.png'),
        _sample([[2.]], None, 'benchmark_test/0000000001.png').to_dict(),
    ])
    assert metric.evaluate(2) == {}
    png = cv2.imread(
        osp.join(out_dir, 'benchmark_test_0000000000.png'),
        cv2.IMREAD_UNCHANGED)
    assert png.dtype == np.uint16 and png.tolist() == [[384, 20480]]
    assert osp.exists(osp.join(out_dir, 'benchmark_test_0000000001.png'))
    assert any('wrote 2 predictions' in m for m in logs)


def test_results_stay_small():
    metric = depth_metric()
    metric.process({}, [_sample(np.ones((64, 80)), np.ones((64, 80)))])
    res = metric.results[0]
    assert all(not isinstance(v, (torch.Tensor, np.ndarray))
               for v in res.values())


def test_bad_settings_in_dataset_meta():
    metric = depth_metric(crop_type='garg')
    with pytest.raises(ValueError, match=r"'garg'.*dataset_meta"):
        metric.process({}, [_sample([[1.]], [[1.]], 'x.png')])
    metric = depth_metric(5., 1.)
    with pytest.raises(ValueError, match=r'5\.0 and 1\.0'):
        metric.process({}, [_sample([[1.]], [[1.]], 'x.png')])
