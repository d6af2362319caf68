"""tools/analysis_tools/analyze_results.py: per-range metrics pooled over
the pixels of all images (hand-computed on two 2x3 images), the worst-image
ranking, and the --pred-dir path on tools/test.py-style PNGs of a tiny
synthetic test set."""
import json
import math
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from depth.evaluation.functional import depth_metrics, eval_mask
from depth.evaluation.metrics.depth_metric import output_name
from depth.registry import MODELS
from depth.testing import REPO_ROOT, depth_sample, get_config, load_script

ROOT = REPO_ROOT
CONFIG = osp.join(ROOT, 'configs', 'densedepth', 'mobilenetv2_synthetic.py')

ar = load_script('tools/analysis_tools/analyze_results.py',
                 'analyze_results_tool')

# two 2x3 images; evaluated: 1e-3 < gt < 20 (0 and 25 are out)
GT_A = [[1., 2., 4.], [12., 16., 0.]]
PRED_A = [[1., 1., 5.], [12., 8., 3.]]
GT_B = [[2., 0., 5.], [10., 25., 14.]]
PRED_B = [[4., 9., 5.], [15., 25., 14.]]


def _images():
    out = []
    for name, gt, pred in (('a', GT_A, PRED_A), ('b', GT_B, PRED_B)):
        sample = depth_sample(gt, pred)
        g = sample.gt_depth_map.data[0]
        p = sample.pred_depth_map.data[0]
        mask = eval_mask(g, 1e-3, 20.)
        out.append((name, p[mask], g[mask]))
    return out


def test_range_metrics_are_pooled_over_images_by_hand():
    result = ar.analyze(_images(), [0, 10, 20], 'abs_rel', 2)
    near, far, pooled = result['ranges']
    # [0, 10): (g, p) = (1,1) (2,1) (4,5) from a, (2,4) (5,5) from b
    assert (near['range'], near['num_pixels']) == ('0-10', 5)
    assert near['abs_rel'] == pytest.approx((0 + .5 + .25 + 1 + 0) / 5)
    assert near['rmse'] == pytest.approx(math.sqrt((0 + 1 + 1 + 4 + 0) / 5))
    assert near['d1'] == pytest.approx(2 / 5)  # ratios 1 2 1.25 2 1
    # [10, 20): (12,12) (16,8) from a, (10,15) (14,14) from b
    assert (far['range'], far['num_pixels']) == ('10-20', 4)
    assert far['abs_rel'] == pytest.approx((0 + .5 + .5 + 0) / 4)
    assert far['rmse'] == pytest.approx(math.sqrt((0 + 64 + 25 + 0) / 4))
    assert far['d1'] == pytest.approx(2 / 4)
    assert near['fraction'] == pytest.approx(5 / 9)
    # 'all' pools the 9 pixels; it differs from the mean over images
    assert pooled['num_pixels'] == 9
    assert pooled['abs_rel'] == pytest.approx(2.75 / 9)
    assert result['mean_over_images']['abs_rel'] == pytest.approx(
        (1.25 / 5 + 1.5 / 4) / 2)
    # every metric equals depth_metrics on the range's pixels
    g = torch.tensor([1., 2., 4., 2., 5.])
    p = torch.tensor([1., 1., 5., 4., 5.])
    for key, value in depth_metrics(p, g).items():
        assert near[key] == pytest.approx(value)


def test_range_edges_are_left_closed_and_empty_ranges_nan():
    gt = torch.tensor([0.5, 1.0, 2.0, 3.0, 3.5])
    rows = ar.range_metrics(gt.clone(), gt, [1, 2, 3, 4, 5])
    assert [r['num_pixels'] for r in rows] == [1, 1, 2, 0, 4]
    assert math.isnan(rows[3]['abs_rel'])
    assert rows[0]['abs_rel'] == 0.


def test_worst_images_ranking_direction():
    images = ar.analyze(_images(), [0, 20], 'abs_rel', 2)['images']
    # abs_rel a = 1.25 / 5 = 0.25, b = 1.5 / 4 = 0.375: b is worse
    assert [r['img'] for r in ar.worst_images(images, 'abs_rel', 2)] == \
        ['b', 'a']
    # d1 a = 2 / 5, b = 2 / 4: lower is worse, a first
    assert [r['img'] for r in ar.worst_images(images, 'd1', 1)] == ['a']
    with pytest.raises(ValueError, match="--metric 'absrel'"):
        ar.worst_images(images, 'absrel', 1)


def test_bins_checked_and_defaulted():
    with pytest.raises(ValueError, match='--bins'):
        ar.check_bins([0, 10, 5])
    with pytest.raises(ValueError, match='--bins'):
        ar.check_bins([3])
    assert ar.default_bins(80) == [0, 10, 20, 30, 40, 50, 60, 70, 80]
    assert ar.default_bins(10) == [float(i) for i in range(11)]


def test_tables_and_plot(tmp_path):
    result = ar.analyze(_images(), [0, 10, 20], 'rmse', 1)
    text = ar.format_tables(result)
    assert '0-10 |' in text and 'Worst 1 images by rmse' in text
    out = ar.plot_results(result, str(tmp_path / 'r.png'))
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_pred_dir_on_synthetic_test_set(tmp_path):
    data_root = str(tmp_path / 'data')
    options = {
        'test_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.num_train': 2,
        'test_dataloader.dataset.num_val': 3,
        'test_dataloader.dataset.img_size': (32, 48),
    }
    opts = [f'{k}={v}'.replace(' ', '') for k, v in options.items()]
    cfg = ar.Config.fromfile(CONFIG)
    cfg.merge_from_dict(options)
    ar.init_default_scope('depth')
    dataset = ar.DATASETS.build(cfg.test_dataloader.dataset)
    pred_dir = tmp_path / 'preds'
    pred_dir.mkdir()
    names = []
    for i in range(len(dataset)):
        sample = dataset[i]['data_samples']
        gt = sample.gt_depth_map.data[0].numpy()
        factor = 1. if i == 1 else 1.5  # image 1 is perfect
        png = np.round(gt * 1000 * factor).astype(np.uint16)
        name = output_name(sample.img_path, data_root)
        cv2.imwrite(str(pred_dir / name), png)
        names.append(name[:-4])
    out_dir = str(tmp_path / 'out')
    result = ar.main([
        CONFIG, '--pred-dir',
        str(pred_dir), '--out-dir', out_dir, '--bins', '0', '10', '20',
        '--topk', '3', '--cfg-options'
    ] + opts)
    assert result['worst'][-1]['img'] == names[1]
    assert result['worst'][-1]['abs_rel'] == pytest.approx(0, abs=1e-6)
    assert osp.isfile(osp.join(out_dir, 'results.png'))
    with open(osp.join(out_dir, 'results.json')) as f:
        saved = json.load(f)
    assert [r['range'] for r in saved['ranges']] == ['0-10', '10-20', 'all']
    # no range pixel is lost: the ranges add up to 'all'
    assert sum(r['num_pixels'] for r in saved['ranges'][:-1]) == \
        saved['ranges'][-1]['num_pixels']
    with pytest.raises(SystemExit, match='no prediction'):
        ar.main([
            CONFIG, '--pred-dir',
            str(tmp_path), '--out-dir', out_dir, '--cfg-options'
        ] + opts)


def test_checkpoint_runs_test_py_and_keeps_its_pngs(tmp_path):
    data_root = str(tmp_path / 'data')
    opts = [f'test_dataloader.dataset.data_root={data_root}']
    opts += [
        f'test_dataloader.dataset.{o}'
        for o in ('num_train=2', 'num_val=2', 'img_size=(32,48)')
    ] + [
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False'
    ]
    cfg = get_config('densedepth/mobilenetv2_synthetic.py')
    ar.init_default_scope('depth')
    model = MODELS.build(cfg.model)
    ckpt = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict()), ckpt)
    out_dir = str(tmp_path / 'out')
    result = ar.main(
        [CONFIG, ckpt, '--out-dir', out_dir, '--topk', '1', '--cfg-options'] +
        opts)
    assert sorted(os.listdir(osp.join(out_dir, 'preds'))) == [
        'images_val_00000.png', 'images_val_00001.png'
    ]
    assert len(result['images']) == 2 and len(result['worst']) == 1
    # the default bins of the synthetic set (max_depth_eval 20): 1 m steps
    assert result['bins'] == [float(i) for i in range(21)]
