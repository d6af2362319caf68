import math

import pytest
import torch

from depth.evaluation.functional import (METRIC_NAMES, crop_box, depth_metrics,
                                         eval_mask)


def _box_mask(h, w, top, bottom, left, right):
    mask = torch.zeros(h, w, dtype=torch.bool)
    mask[top:bottom, left:right] = True
    return mask


def test_metrics_hand_computed():
    gt = torch.tensor([1., 2., 4., 2.])
    pred = torch.tensor([1., 1., 5., 1.2])
    m = depth_metrics(pred, gt)
    assert list(m) == list(METRIC_NAMES)
    # ratios max(g/p, p/g): 1, 2, 1.25, 2/1.2 = 1.667
    # 1.25 is not < 1.25 (strict); 1.667 < 1.5625? no; < 1.953? yes
    assert m['d1'] == pytest.approx(1 / 4)
    assert m['d2'] == pytest.approx(2 / 4)
    assert m['d3'] == pytest.approx(3 / 4)
    # |g-p|/g = 0, 1/2, 1/4, 0.8/2
    assert m['abs_rel'] == pytest.approx((0 + 0.5 + 0.25 + 0.4) / 4, rel=1e-6)
    # (g-p)^2/g = 0, 1/2, 1/4, 0.64/2
    assert m['sq_rel'] == pytest.approx((0 + 0.5 + 0.25 + 0.32) / 4, rel=1e-6)
    assert m['rmse'] == pytest.approx(
        math.sqrt((0 + 1 + 1 + 0.64) / 4), rel=1e-6)
    ln2, ln125, ln53 = math.log(2), math.log(1.25), math.log(2 / 1.2)
    assert m['rmse_log'] == pytest.approx(
        math.sqrt((0 + ln2**2 + ln125**2 + ln53**2) / 4), rel=1e-6)
    assert m['log10'] == pytest.approx(
        (0 + math.log10(2) + math.log10(1.25) + math.log10(2 / 1.2)) / 4,
        rel=1e-6)
    e = [0., -ln2, ln125, -ln53]  # ln p - ln g
    mean_e = sum(e) / 4
    mean_e2 = sum(x * x for x in e) / 4
    assert m['silog'] == pytest.approx(
        100 * math.sqrt(mean_e2 - mean_e**2), rel=1e-6)


def test_silog_exact_and_scale_invariant():
    gt = torch.tensor([1., 1.])
    pred = torch.tensor([2., 0.5])  # e = +ln2, -ln2: mean 0, mean sq ln2^2
    assert depth_metrics(pred, gt)['silog'] == pytest.approx(
        100 * math.log(2), rel=1e-12)
    assert depth_metrics(3 * pred, gt)['silog'] == pytest.approx(
        100 * math.log(2), rel=1e-9)
    # a constant ratio has zero variance: exactly 0, never NaN
    gt = torch.tensor([0.3, 1.7, 2.9, 7.1])
    silog = depth_metrics(gt * 1.37, gt)['silog']
    assert silog == pytest.approx(0., abs=1e-5) and not math.isnan(silog)


def test_perfect_prediction_and_float64():
    gt = torch.tensor([1e-3 + 1e-7, 5., 79.9], dtype=torch.float32)
    m = depth_metrics(gt.clone(), gt)
    assert m['d1'] == 1. and m['abs_rel'] == 0. and m['rmse'] == 0.
    assert m['silog'] == 0.


def test_nonpositive_prediction_uses_eps_for_ratio_and_log():
    gt = torch.tensor([2.])
    m = depth_metrics(torch.tensor([-1.]), gt, eps=1e-6)
    assert m['d1'] == 0.  # a negative p never counts as accurate
    assert m['abs_rel'] == pytest.approx(3 / 2)  # raw p for linear metrics
    assert m['rmse_log'] == pytest.approx(math.log(2 / 1e-6))


def test_bad_inputs():
    with pytest.raises(ValueError, match='no valid pixel'):
        depth_metrics(torch.zeros(0), torch.zeros(0))
    with pytest.raises(ValueError, match='same'):
        depth_metrics(torch.ones(2), torch.ones(3))


def test_range_mask_is_strict():
    gt = torch.tensor(
        [[0., 1e-3, 1.1e-3, 5., 9.999, 10., 11.,
          float('nan'),
          float('inf')]])
    mask = eval_mask(gt, 1e-3, 10., None)
    assert mask.tolist() == [[
        False, False, True, True, True, False, False, False, False
    ]]


def test_no_crop_keeps_shape_and_leading_dims():
    gt = torch.ones(2, 1, 5, 7)
    mask = eval_mask(gt, 0., 10., None)
    assert mask.shape == gt.shape and mask.all()


@pytest.mark.parametrize(
    'gt_shape, min_depth, max_depth, crop, box',
    [
        ((1, 480, 640), 1e-3, 10., 'nyu_eigen', (45, 471, 41, 601)),
        # 45*240//480 = 22, 471*240//480 = 235, 41*320//640 = 20,
        # 601*320//640 = 300
        ((240, 320), 0., 10., 'nyu_eigen', (22, 235, 20, 300)),
        # 0.40810811*352 = 143.65, 0.99189189*352 = 349.15,
        # 0.03594771*1216 = 43.71, 0.96405229*1216 = 1172.29
        ((1, 352, 1216), 1e-3, 80., 'kitti_garg', (143, 349, 43, 1172)),
    ],
    ids=[
        'nyu_eigen_480x640', 'nyu_eigen_scaled_240x320', 'kitti_garg_kb_frame'
    ])
def test_crop_mask_is_the_box(gt_shape, min_depth, max_depth, crop, box):
    h, w = gt_shape[-2:]
    assert crop_box(h, w, crop) == box
    mask = eval_mask(torch.ones(gt_shape), min_depth, max_depth, crop)
    assert mask.shape == gt_shape
    assert torch.equal(mask.view(h, w), _box_mask(h, w, *box))


def test_kitti_crops_other_sizes():
    # full KITTI frame 375x1242: 153.04, 371.96, 44.65, 1197.35
    assert crop_box(375, 1242, 'kitti_garg') == (153, 371, 44, 1197)
    # eigen on the KB frame: 0.3324324*352 = 117.01, 0.91351351*352 = 321.56
    assert crop_box(352, 1216, 'kitti_eigen') == (117, 321, 43, 1172)


def test_crop_and_range_combine():
    gt = torch.zeros(480, 640)
    gt[100, 100] = 5.  # inside the crop, valid
    gt[10, 10] = 5.  # outside the crop
    gt[200, 200] = 20.  # inside the crop, out of range
    mask = eval_mask(gt, 1e-3, 10., 'nyu_eigen')
    assert mask.sum() == 1 and mask[100, 100]


def test_unknown_crop_raises_with_name():
    with pytest.raises(ValueError, match='garg_crop'):
        eval_mask(torch.ones(4, 4), 0., 1., 'garg_crop')
