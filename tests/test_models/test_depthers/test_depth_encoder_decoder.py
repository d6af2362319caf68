import pytest
import torch
from mmengine.structures import PixelData

from depth.models.depthers import DepthEncoderDecoder, DepthTTAModel
from depth.registry import MODELS
from depth.structures import DepthDataSample
from depth.testing import (REPO_ROOT, depth_sample, image_and_depth_files,
                           random_depth_map)


def tiny_depther(**kwargs):
    cfg = dict(
        type='DepthEncoderDecoder',
        data_preprocessor=dict(
            type='DepthDataPreprocessor',
            mean=[120.] * 3,
            std=[60.] * 3,
            bgr_to_rgb=True,
            size_divisor=32),
        backbone=dict(
            type='TimmBackbone',
            model_name='resnet18',
            out_indices=(0, 1, 2, 3, 4)),
        decode_head=dict(
            type='DenseDepthHead',
            in_channels=[64, 64, 128, 256, 512],
            up_sample_channels=[16, 32, 64, 128, 256],
            channels=16,
            min_depth=0.5,
            max_depth=10.,
            align_corners=True))
    cfg.update(kwargs)
    return MODELS.build(cfg)


class _ImageAsFeatures(torch.nn.Module):

    def forward(self, x):
        return (x, )


class _FunctionHead(torch.nn.Module):
    """A decode head whose depth is ``fn(first feature)``."""
    min_depth, max_depth, align_corners = 0.0, 100.0, False

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def predict(self, feats, metas, test_cfg):
        return self.fn(feats[0])


def image_function_depther(fn):
    """The tiny depther in eval mode, its network replaced by a known
    function of the (preprocessed) image: depth = ``fn(image)``."""
    model = tiny_depther()
    model.eval()
    model.backbone = _ImageAsFeatures()
    model.decode_head = _FunctionHead(fn)
    return model


def _sample(h, w, ori=None, flip=False, gt=True):
    return depth_sample(
        random_depth_map(h, w, (1, 10)) if gt else None,
        img_shape=(h, w),
        ori_shape=ori or (h, w),
        flip=flip,
        flip_direction='horizontal')


def test_postprocess_removes_padding_unflips_resizes_and_clamps():
    model = tiny_depther()
    # Padded batch output 1x1x8x8; the image occupied the top-left 4x6.
    depth = torch.zeros(1, 1, 8, 8)
    depth[0, 0, :4, :6] = torch.arange(24, dtype=torch.float).view(4, 6)
    depth[0, 0, 4:, :] = 100.  # padding region must be discarded
    depth[0, 0, :, 6:] = 100.
    s = _sample(4, 6, gt=False)
    out = model.postprocess_result(depth.clone(), [s])[0]
    ref = torch.arange(24, dtype=torch.float).view(1, 4, 6).clamp(0.5, 10)
    assert torch.equal(out.pred_depth_map.data, ref)
    # Horizontal flip is undone.
    s = _sample(4, 6, flip=True, gt=False)
    out = model.postprocess_result(depth.clone(), [s])[0]
    assert torch.equal(out.pred_depth_map.data, ref.flip(-1))
    # Resized to the original shape.
    s = _sample(4, 6, ori=(8, 12), gt=False)
    out = model.postprocess_result(depth.clone(), [s])[0]
    assert out.pred_depth_map.shape == (8, 12)
    assert out.pred_depth_map.data.min() >= 0.5
    assert out.pred_depth_map.data.max() <= 10


def test_loss_and_predict_shapes():
    model = tiny_depther()
    inputs = [
        torch.randint(0, 256, (3, 50, 70), dtype=torch.uint8),
        torch.randint(0, 256, (3, 60, 64), dtype=torch.uint8)
    ]
    samples = [_sample(50, 70), _sample(60, 64)]
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), True)
    assert data['inputs'].shape == (2, 3, 64, 96)
    gt = data['data_samples'][0].gt_depth_map.data
    assert gt.shape == (1, 64, 96)
    assert torch.all(gt[:, 50:, :] == 0) and torch.all(gt[:, :, 70:] == 0)
    losses = model(**data, mode='loss')
    assert set(losses) == {'decode.loss_sig'}
    assert torch.isfinite(losses['decode.loss_sig'])
    model.eval()
    samples = [_sample(50, 70), _sample(60, 64)]
    data = model.data_preprocessor(
        dict(inputs=inputs, data_samples=samples), False)
    preds = model(**data, mode='predict')
    assert preds[0].pred_depth_map.shape == (50, 70)
    assert preds[1].pred_depth_map.shape == (60, 64)
    # At test time the ground truth keeps its own size for the metric.
    assert preds[0].gt_depth_map.shape == (50, 70)
    raw = model(data['inputs'], mode='tensor')
    assert raw.shape == (2, 1, 32, 48)  # DenseDepth output at H/2


def test_slide_matches_whole_for_pointwise_model():
    # A 1x1-conv "network" is translation-invariant without context, so
    # slide inference must reproduce whole inference exactly.
    model = image_function_depther(lambda x: x[:, :1] * 2 + 1)
    x = torch.rand(1, 3, 64, 96)
    metas = [dict(img_shape=(64, 96), ori_shape=(64, 96))]
    whole = model.inference(x, metas)
    model.test_cfg = dict(mode='slide', crop_size=(32, 32), stride=(20, 24))
    slide = model.inference(x, metas)
    assert torch.allclose(whole, slide, atol=1e-6)


def test_tta_merge_averages_views():
    views = []
    for v in (1.0, 3.0):
        s = _sample(2, 2)
        s.pred_depth_map = PixelData(data=torch.full((1, 2, 2), v))
        views.append(s)
    tta = DepthTTAModel(module=tiny_depther())
    merged = tta.merge_preds([views])
    assert torch.allclose(merged[0].pred_depth_map.data,
                          torch.full((1, 2, 2), 2.0))
    assert torch.equal(merged[0].gt_depth_map.data, views[0].gt_depth_map.data)


def test_tta_flip_equals_no_tta_for_flip_equivariant_model():
    # Depth from a horizontally symmetric function of the image rows.
    model = image_function_depther(lambda x: x[:, :1] + x[:, :1].flip(-1) + 5)
    img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8)
    plain = model.test_step(
        dict(inputs=[img], data_samples=[_sample(32, 32)]))[0]
    tta = DepthTTAModel(module=model)
    views = dict(
        inputs=[[img], [img.flip(-1)]],
        data_samples=[[_sample(32, 32)], [_sample(32, 32, flip=True)]])
    merged = tta.test_step(views)[0]
    assert torch.allclose(
        merged.pred_depth_map.data, plain.pred_depth_map.data, atol=1e-5)


def test_bad_test_mode_and_forward_mode():
    with pytest.raises(ValueError, match='whole'):
        tiny_depther(test_cfg=dict(mode='sliding'))
    with pytest.raises(RuntimeError, match='Invalid mode'):
        tiny_depther()(torch.rand(1, 3, 32, 32), mode='bogus')


def test_isinstance():
    assert isinstance(tiny_depther(), DepthEncoderDecoder)


# GPU-only paths: AMP training step and SyncBN conversion. Skipped on
# machines without CUDA (CI has none).

cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason='needs a CUDA GPU')


@cuda
def test_amp_optim_wrapper_step_is_finite():
    from mmengine.optim import AmpOptimWrapper
    model = tiny_depther().cuda()
    optim = AmpOptimWrapper(
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-4),
        loss_scale='dynamic')
    inputs = [
        torch.randint(0, 256, (3, 64, 96), dtype=torch.uint8) for _ in range(2)
    ]
    data = dict(inputs=inputs, data_samples=[_sample(64, 96), _sample(64, 96)])
    log_vars = model.train_step(data, optim)
    assert torch.isfinite(log_vars['loss'])
    # SigLoss stays float32 under autocast.
    with torch.autocast('cuda', dtype=torch.float16):
        processed = model.data_preprocessor(data, True)
        losses = model(**processed, mode='loss')
    assert losses['decode.loss_sig'].dtype == torch.float32


@cuda
def test_sync_bn_conversion_builds():
    from mmengine.model import convert_sync_batchnorm
    model = convert_sync_batchnorm(tiny_depther())
    assert any(isinstance(m, torch.nn.SyncBatchNorm) for m in model.modules())


def test_timm_backbone_keeps_activations_through_syncbn_revert():
    from mmengine.model import convert_sync_batchnorm, revert_sync_batchnorm
    backbone = MODELS.build(
        dict(type='TimmBackbone', model_name='mobilenetv2_050'))
    backbone.eval()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        ref = backbone(x)
        reverted = revert_sync_batchnorm(convert_sync_batchnorm(backbone))
        out = reverted.eval()(x)  # new norms are created in train mode
    for a, b in zip(ref, out):
        assert torch.allclose(a, b)


def test_image_only_test_resize_evaluates_at_full_gt_resolution(tmp_path):
    """Resize before LoadDepthAnnotation: the network sees the small image,
    the prediction comes back at the ground truth's full resolution."""
    import numpy as np
    from mmengine.dataset import Compose
    img = np.random.randint(0, 255, (60, 90, 3), np.uint8)
    gt = (np.random.rand(60, 90) * 5000 + 500).astype(np.uint16)
    files = image_and_depth_files(tmp_path, img, gt, depth_scale=1000.)
    pipeline = Compose([
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(48, 32), keep_ratio=False),
        dict(type='LoadDepthAnnotation'),
        dict(type='PackDepthInputs'),
    ])
    data = pipeline(files)
    assert data['inputs'].shape == (3, 32, 48)
    model = tiny_depther()
    model.eval()
    out = model.test_step(
        dict(inputs=[data['inputs']], data_samples=[data['data_samples']]))[0]
    assert out.pred_depth_map.shape == (60, 90)
    assert out.gt_depth_map.shape == (60, 90)


def test_clamp_at_head_resolution_then_resize():
    """The original order: clamp the head output to [min_depth, max_depth]
    first, then resize. Head output [5, 20] (max_depth 10) resized to 3
    pixels (align_corners=True): clamp first gives [5, 7.5, 10]; resizing
    first would give [5, 12.5, 20] -> [5, 10, 10]."""
    model = tiny_depther()
    head = model.decode_head
    out = torch.tensor([[[[5., 20.]]]])
    metas = [
        dict(batch_input_shape=(1, 3), img_shape=(1, 3), ori_shape=(1, 3))
    ]
    pred = head.predict_by_feat(out, metas)
    assert pred.flatten().tolist() == [5.0, 7.5, 10.0]
    s = DepthDataSample(metainfo=metas[0])
    final = model.postprocess_result(pred, [s])[0].pred_depth_map.data
    assert final.flatten().tolist() == [5.0, 7.5, 10.0]
    # and below min_depth (0.5): [0, 2] -> [0.5, 1.25, 2]
    pred = head.predict_by_feat(torch.tensor([[[[0., 2.]]]]), metas)
    assert pred.flatten().tolist() == [0.5, 1.25, 2.0]


def test_depthformer_and_adabins_do_not_pad_at_test_time():
    """Test-time padding changes predictions at sizes that are not
    multiples of 32; the release configs run unpadded (the original)."""
    import os.path as osp

    from mmengine.config import Config
    for name in ('depthformer_swint.py', 'adabins_efnetb5.py'):
        cfg = Config.fromfile(
            osp.join(REPO_ROOT, 'configs', '_base_', 'models', name))
        pre = MODELS.build(cfg.data_preprocessor)
        img = torch.randint(0, 256, (3, 100, 150), dtype=torch.uint8)
        s = _sample(100, 150)
        out = pre(dict(inputs=[img], data_samples=[s]), False)
        assert out['inputs'].shape == (1, 3, 100, 150), name
        out = pre(dict(inputs=[img], data_samples=[_sample(100, 150)]), True)
        assert out['inputs'].shape == (1, 3, 128, 160), name
