"""DepthInferencer on a tiny DenseDepth of the demo config with a
checkpoint saved from random weights: paths, folders, globs, arrays,
batches, bad dtypes, working sizes and output sizes."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch

from depth.apis import DepthInferencer, inference_model, init_model
from depth.apis.depth_inferencer import find_config, list_inputs
from depth.testing import REPO_ROOT

ROOT = REPO_ROOT
CONFIG = osp.join(ROOT, 'configs', 'densedepth', 'mobilenetv2_synthetic.py')
TINY = {
    'model.decode_head.up_sample_channels': [8, 8, 8, 16, 16],
    'model.decode_head.channels': 8,
}


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    torch.manual_seed(1)
    model = init_model(CONFIG, cfg_options=TINY)
    path = str(tmp_path_factory.mktemp('inferencer') / 'tiny.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture(scope='module')
def inferencer(checkpoint):
    return DepthInferencer(
        CONFIG,
        checkpoint,
        device='cpu',
        cfg_options=TINY,
        show_progress=False)


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp('photos')
    rng = np.random.default_rng(0)
    (root / 'sub' / 'deeper').mkdir(parents=True)
    shapes = {
        'a.png': (120, 160),
        'sub/b.jpg': (60, 90),
        'sub/deeper/c.png': (240, 200)
    }
    images = {}
    for name, (h, w) in shapes.items():
        img = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        cv2.imwrite(str(root / name), img)
        images[name] = cv2.imread(str(root / name))
    (root / 'notes.txt').write_text('not an image')
    return root, images


def test_test_resolution_and_weights(inferencer, checkpoint):
    # the synthetic dataset's img_size
    assert inferencer.size == (120, 160)
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    for key, value in inferencer.model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_same_as_inference_model_at_test_resolution(inferencer):
    img = np.random.default_rng(1).integers(0, 256, (120, 160, 3), np.uint8)
    ref = inference_model(inferencer.model, img).pred_depth_map.data[0]
    out = inferencer(img)['predictions']
    assert len(out) == 1 and out[0].dtype == np.float32
    np.testing.assert_array_equal(out[0], ref.numpy())


def test_folder_recursive_at_original_sizes(inferencer, folder):
    root, images = folder
    items = list_inputs(str(root))
    assert [name for _, name in items] == ['a', 'sub/b', 'sub/deeper/c']
    result = inferencer(str(root), batch_size=2)
    preds = result['predictions']
    assert [p.shape for p in preds] == [(120, 160), (60, 90), (240, 200)]
    lo, hi = inferencer.model.depth_range()
    for p in preds:
        assert np.isfinite(p).all() and p.min() >= lo and p.max() <= hi
    # a path gives the prediction of the same image as an array
    arr = inferencer(images['sub/b.jpg'])['predictions'][0]
    np.testing.assert_allclose(preds[1], arr, rtol=0, atol=1e-6)


def test_glob_and_list(inferencer, folder):
    root, _ = folder
    items = list_inputs(str(root / 'sub' / '**' / '*.png'))
    assert [name for _, name in items] == ['deeper/c']
    out = inferencer([str(root / 'a.png'), str(root / 'sub' / 'b.jpg')])
    assert [p.shape for p in out['predictions']] == [(120, 160), (60, 90)]


def test_batches_do_not_change_predictions(inferencer):
    rng = np.random.default_rng(2)
    imgs = [
        rng.integers(0, 256, s + (3, ), np.uint8)
        for s in [(120, 160), (120, 160), (90, 120), (120, 160)]
    ]
    one = inferencer(imgs, batch_size=1)['predictions']
    four = inferencer(imgs, batch_size=4)['predictions']
    for a, b in zip(one, four):
        # float32 reduction order of batched convolutions only
        np.testing.assert_allclose(a, b, rtol=0, atol=2e-4)


def test_large_image_runs_at_working_size(inferencer):
    """A 1200x1600 image is predicted at 120x160 and returned at its own
    size; the network never sees the large image."""
    img = np.random.default_rng(3).integers(0, 256, (1200, 1600, 3), np.uint8)
    seen = []
    handle = inferencer.model.backbone.register_forward_hook(
        lambda m, i, o: seen.append(tuple(i[0].shape[-2:])))
    try:
        out = inferencer(img, return_datasamples=True)['predictions'][0]
    finally:
        handle.remove()
    assert seen == [(128, 160)]  # 120x160 padded to the divisor 32
    assert out.pred_depth_map.shape == (1200, 1600)
    assert out.metainfo['ori_shape'] == (1200, 1600)
    assert inferencer.working_size(1200, 1600) == (120, 160)
    # portrait: long edge <= 160, short edge <= 120
    assert inferencer.working_size(1600, 1200) == (160, 120)


def test_size_and_keep_ratio(checkpoint):
    inf = DepthInferencer(
        CONFIG,
        checkpoint,
        device='cpu',
        cfg_options=TINY,
        size=(64, 96),
        keep_ratio=False,
        show_progress=False)
    assert inf.working_size(300, 200) == (64, 96)
    img = np.zeros((300, 200, 3), np.uint8)
    assert inf(img)['predictions'][0].shape == (300, 200)
    with pytest.raises(ValueError, match='size'):
        DepthInferencer(CONFIG, checkpoint, cfg_options=TINY, size=(0, 5))


def test_bad_inputs_are_named_errors(inferencer, tmp_path):
    img = np.zeros((120, 160, 3), np.uint8)
    for bad in (img.astype(np.uint16), img.astype(np.float32)):
        with pytest.raises(ValueError, match=f'{bad.dtype}.*uint8'):
            inferencer([img, bad])
    with pytest.raises(ValueError, match=r'\(H, W, 3\)'):
        inferencer(np.zeros((120, 160), np.uint8))
    with pytest.raises(FileNotFoundError, match='nothing.png'):
        inferencer(str(tmp_path / 'nothing.png'))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match='no image'):
        inferencer(str(empty))


def test_visualization_and_config_name(checkpoint, tmp_path):
    inf = DepthInferencer(
        'mobilenetv2_synthetic',
        checkpoint,
        device='cpu',
        cfg_options=TINY,
        show_progress=False)
    img = np.random.default_rng(4).integers(0, 256, (120, 160, 3), np.uint8)
    out = inf(img, return_vis=True, img_out_dir=str(tmp_path))
    vis = out['visualization'][0]
    # image | gap | depth | colour bar
    assert vis.shape[0] == 120 and vis.shape[1] > 2 * 160
    np.testing.assert_array_equal(vis[:, :160], img[..., ::-1])
    assert osp.isfile(tmp_path / 'vis' / '000000.png')
    assert find_config('densedepth/mobilenetv2_synthetic') == CONFIG
    with pytest.raises(FileNotFoundError, match='closest'):
        find_config('mobilenetv2_synthtic')


def test_large_jpeg_decoded_at_reduced_size(inferencer, tmp_path):
    """A JPEG 8x the working size is decoded at 1/8 (libjpeg scaling): the
    image matches a full decode + area resize, and the prediction has the
    file's size."""
    yy, xx = np.mgrid[0:960, 0:1280]
    img = np.stack([xx * 0.15, yy * 0.2, (xx + yy) * 0.1], -1) % 256
    path = str(tmp_path / 'large.jpg')
    cv2.imwrite(path, img.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 95])
    results = inferencer._load_reduced_jpeg(path, None)
    assert results['img'].shape == (120, 160, 3)
    assert results['ori_shape'] == (960, 1280)
    full = cv2.resize(
        cv2.imread(path), (160, 120), interpolation=cv2.INTER_AREA)
    assert np.abs(results['img'].astype(int) - full).mean() < 3
    pred_path = inferencer(path)['predictions'][0]
    pred_array = inferencer(cv2.imread(path))['predictions'][0]
    assert pred_path.shape == pred_array.shape == (960, 1280)
    assert np.abs(pred_path - pred_array).mean() < 0.05 * pred_array.mean()
    # PNG, or a JPEG not larger than twice the working size: full decode
    assert inferencer._load_reduced_jpeg(str(tmp_path / 'x.png'), None) is None
    cv2.imwrite(str(tmp_path / 'small.jpg'), img[:200, :300].astype(np.uint8))
    assert inferencer._load_reduced_jpeg(str(tmp_path / 'small.jpg'),
                                         None) is None
