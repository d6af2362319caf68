"""init_model / inference_model on a tiny DenseDepth built from the demo
config: checkpoint loading (weights_only), pretrained switched off, arrays,
files, batches and cropping test pipelines."""
import glob
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

from depth.apis import inference_model, init_model
from depth.apis.inference import pretrained_off
from depth.structures import DepthDataSample
from depth.testing import REPO_ROOT

ROOT = REPO_ROOT
# The CPU demo config (DenseDepth with a 5-level timm encoder).
CONFIG = sorted(
    glob.glob(osp.join(ROOT, 'configs', 'densedepth', '*_synthetic.py')))[0]

# Shrink only the decoder width; a missing backbone weight file must not
# matter because init_model switches pretrained weights off.
TINY = {
    'model.backbone.pretrained': 'pretrain/does_not_exist.pth',
    'model.decode_head.up_sample_channels': [8, 8, 8, 16, 16],
    'model.decode_head.channels': 8,
}


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """A checkpoint of the tiny model whose weights differ from a fresh
    build, with a dataset_meta; tensors and plain data only, as the
    checkpoints of tools/train.py."""
    torch.manual_seed(123)
    model = init_model(CONFIG, cfg_options=TINY)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(0)
    fresh = init_model(CONFIG, cfg_options=TINY).state_dict()
    assert not torch.equal(fresh['decode_head.conv_depth.weight'],
                           state['decode_head.conv_depth.weight'])
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save(
        dict(
            meta=dict(
                dataset_meta=dict(
                    depth_scale=256.0,
                    crop_type=None,
                    min_depth_eval=1e-3,
                    max_depth_eval=80.0)),
            state_dict=state), path)
    return path, state


@pytest.fixture(scope='module')
def model(checkpoint):
    return init_model(CONFIG, checkpoint[0], device='cpu', cfg_options=TINY)


def test_checkpoint_loaded_with_weights_only(checkpoint, model):
    # loads with the safe loader, and the weights are the checkpoint's
    torch.load(checkpoint[0], weights_only=True)
    _, state = checkpoint
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert not model.training
    assert model.dataset_meta['depth_scale'] == 256.0
    assert model.cfg.model.backbone.pretrained is None


def test_dataset_meta_from_config_without_checkpoint():
    model = init_model(CONFIG, cfg_options=TINY)
    # SyntheticDepthDataset.METAINFO
    assert model.dataset_meta['depth_scale'] == 1000.0
    assert model.dataset_meta['max_depth_eval'] == 20


def testpretrained_off_handles_any_nesting():
    cfg = dict(
        type='Anything',
        backbone=dict(
            pretrained='a.pth',
            init_cfg=dict(type='Pretrained', checkpoint='b.pth')),
        heads=[
            dict(init_cfg=[
                dict(type='Normal', std=0.01),
                dict(type='Pretrained', checkpoint='c.pth')
            ])
        ],
        init_cfg=dict(type='Kaiming'))
    pretrained_off(cfg)
    assert cfg['backbone'] == dict(pretrained=None, init_cfg=None)
    assert cfg['heads'][0]['init_cfg'] == [dict(type='Normal', std=0.01)]
    assert cfg['init_cfg'] == dict(type='Kaiming')


def test_config_object_not_modified():
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.pretrained = 'pretrain/x.pth'
    init_model(cfg, cfg_options=TINY)
    assert cfg.model.backbone.pretrained == 'pretrain/x.pth'


def test_inference_on_array(model):
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    result = inference_model(model, img)
    assert isinstance(result, DepthDataSample)
    assert result.pred_depth_map.shape == (50, 70)
    pred = result.pred_depth_map.data
    assert pred.shape == (1, 50, 70) and torch.isfinite(pred).all()
    # clamped to the head's range
    assert pred.min() >= 1e-3 and pred.max() <= 20


def test_inference_on_file_matches_array(model, tmp_path):
    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, (45, 61, 3), dtype=np.uint8)
    path = str(tmp_path / 'img.png')
    cv2.imwrite(path, img)
    from_file = inference_model(model, path)
    from_array = inference_model(model, img)
    assert from_file.pred_depth_map.shape == (45, 61)
    assert from_file.img_path == path
    torch.testing.assert_close(from_file.pred_depth_map.data,
                               from_array.pred_depth_map.data)


def test_inference_batch_of_mixed_sizes(model, tmp_path):
    a = np.zeros((40, 60, 3), np.uint8)
    b = np.full((33, 47, 3), 200, np.uint8)
    path = str(tmp_path / 'b.png')
    cv2.imwrite(path, b)
    results = inference_model(model, [a, path])
    assert isinstance(results, list) and len(results) == 2
    assert results[0].pred_depth_map.shape == (40, 60)
    assert results[1].pred_depth_map.shape == (33, 47)
    # a batch gives the same prediction as one image at a time: both are
    # padded (bottom/right) to 64x64 here, and the padding is cropped away
    # (up to float rounding of batched kernels)
    single = inference_model(model, a)
    torch.testing.assert_close(
        results[0].pred_depth_map.data,
        single.pred_depth_map.data,
        rtol=1e-4,
        atol=1e-4)


def test_inference_keeps_crops_and_drops_depth_loading(checkpoint):
    # A KITTI-style pipeline: depth loading dropped, KB crop kept, so the
    # prediction covers the crop.
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadDepthAnnotation'),
        dict(type='KBCrop', height=32, width=48, depth=True),
        dict(type='PackDepthInputs'),
    ]
    model = init_model(
        CONFIG,
        checkpoint[0],
        cfg_options=dict(TINY,
                         **{'test_dataloader.dataset.pipeline': pipeline}))
    result = inference_model(model, np.zeros((40, 60, 3), np.uint8))
    assert result.pred_depth_map.shape == (32, 48)


def test_bad_inputs_raise_clear_errors(model, tmp_path):
    with pytest.raises(ValueError, match='image 0 must be an'):
        inference_model(model, np.zeros((10, 10), np.uint8))
    with pytest.raises(FileNotFoundError, match='missing.png'):
        inference_model(
            model,
            [np.zeros((8, 8, 3), np.uint8),
             str(tmp_path / 'missing.png')])
    with pytest.raises(TypeError, match='image 0'):
        inference_model(model, 3)
    for dtype in (np.uint16, np.float32):
        msg = f'image 1 is a {np.dtype(dtype)}'
        with pytest.raises(ValueError, match=msg):
            inference_model(
                model,
                [np.zeros((8, 8, 3), np.uint8),
                 np.zeros((8, 8, 3), dtype)])
    with pytest.raises(AttributeError, match='init_model'):
        inference_model(torch.nn.Conv2d(3, 1, 1), np.zeros((8, 8, 3)))
    with pytest.raises(TypeError, match='Config'):
        init_model(dict(model=dict()))


def test_checkpoint_of_another_head_width_is_refused(checkpoint):
    """A trained model's name never sits on random weights: a checkpoint
    of another decoder width is an error listing the keys, unless
    strict=False."""
    wider = dict(
        TINY, **{
            'model.decode_head.up_sample_channels': [16, 16, 16, 16, 16],
            'model.decode_head.channels': 16
        })
    with pytest.raises(RuntimeError, match='size mismatch') as e:
        init_model(CONFIG, checkpoint[0], cfg_options=wider)
    assert 'decode_head.' in str(e.value)
    init_model(CONFIG, checkpoint[0], cfg_options=wider, strict=False)
