"""PackDepthInputs and TTA with mmcv's TestTimeAug."""
import numpy as np
import torch
from mmcv.transforms import Compose

from depth.datasets import PackDepthInputs
from depth.registry import TRANSFORMS
from depth.structures import DepthDataSample
from depth.testing import image_and_depth_files


def test_pack_shapes_and_meta():
    img = np.random.randint(0, 255, (6, 7, 3), dtype=np.uint8)
    img_view = img[1:5, 2:7]  # non-contiguous crop view
    depth = np.random.rand(6, 7).astype(np.float32)[1:5, 2:7]
    results = dict(
        img=img_view,
        gt_depth_map=depth,
        img_path='a.png',
        depth_map_path='a_d.png',
        ori_shape=(6, 7),
        img_shape=(4, 5),
        flip=False,
        flip_direction=None,
        focal=518.8579,
        depth_scale=1000.0,
        crop_type='nyu_eigen',  # the dataset's, not the sample's: not packed
        unrelated='not packed')
    packed = PackDepthInputs()(results)
    inputs = packed['inputs']
    assert inputs.shape == (3, 4, 5) and inputs.dtype == torch.uint8
    assert inputs.is_contiguous()
    # CHW of the HWC (BGR) image, no colour conversion.
    np.testing.assert_array_equal(inputs.numpy(), img_view.transpose(2, 0, 1))
    sample = packed['data_samples']
    assert isinstance(sample, DepthDataSample)
    gt = sample.gt_depth_map.data
    assert gt.shape == (1, 4, 5) and gt.dtype == torch.float32
    np.testing.assert_array_equal(gt[0].numpy(), depth)
    meta = sample.metainfo
    assert meta['img_path'] == 'a.png' and meta['img_shape'] == (4, 5)
    assert meta['focal'] == 518.8579 and meta['depth_scale'] == 1000.
    assert 'crop_type' not in meta
    assert 'unrelated' not in meta and 'cam_intrinsic' not in meta


def test_pack_without_gt_and_grayscale():
    packed = PackDepthInputs(meta_keys=('img_path', ))(
        dict(img=np.zeros((4, 5), np.uint8), img_path='g.png'))
    assert packed['inputs'].shape == (1, 4, 5)
    assert 'gt_depth_map' not in packed['data_samples']
    assert packed['data_samples'].metainfo == dict(img_path='g.png')


def test_tta_flip_views(ramp):
    """mmcv's TestTimeAug, built in the depth scope, uses our RandomFlip."""
    img, depth = ramp(4, 6)
    tta = TRANSFORMS.build(
        dict(
            type='TestTimeAug',
            transforms=[[
                dict(type='RandomFlip', prob=0.),
                dict(type='RandomFlip', prob=1.)
            ], [dict(type='PackDepthInputs')]]))
    out = tta(
        dict(
            img=img,
            gt_depth_map=depth,
            depth_fields=['gt_depth_map'],
            img_path='x.png'))
    assert len(out['inputs']) == 2 and len(out['data_samples']) == 2
    plain, flipped = out['data_samples']
    assert plain.metainfo['flip'] is False
    assert flipped.metainfo['flip'] is True
    assert flipped.metainfo['flip_direction'] == 'horizontal'
    np.testing.assert_array_equal(out['inputs'][1].numpy(),
                                  img[:, ::-1].transpose(2, 0, 1))
    np.testing.assert_array_equal(flipped.gt_depth_map.data[0].numpy(),
                                  depth[:, ::-1])
    np.testing.assert_array_equal(plain.gt_depth_map.data[0].numpy(), depth)


def test_tta_pipeline_with_files(tmp_path):
    """The dataset base's TTA layout: GT loaded after the flips."""
    rgb = np.random.randint(0, 255, (4, 6, 3), dtype=np.uint8)
    raw = np.arange(24, dtype=np.uint16).reshape(4, 6) * 100
    files = image_and_depth_files(tmp_path, rgb, raw, depth_scale=1000.0)
    pipeline = Compose([
        TRANSFORMS.build(dict(type='LoadImageFromFile')),
        TRANSFORMS.build(
            dict(
                type='TestTimeAug',
                transforms=[[
                    dict(type='RandomFlip', prob=0.),
                    dict(type='RandomFlip', prob=1.)
                ], [dict(type='LoadDepthAnnotation')],
                            [dict(type='PackDepthInputs')]]))
    ])
    out = pipeline(files)
    assert [s.metainfo['flip'] for s in out['data_samples']] == [False, True]
    for sample in out['data_samples']:
        # GT is the unflipped map in both views.
        np.testing.assert_array_equal(sample.gt_depth_map.data[0].numpy(),
                                      raw.astype(np.float32) / 1000)
    np.testing.assert_array_equal(out['inputs'][0].numpy(),
                                  rgb.transpose(2, 0, 1))
    np.testing.assert_array_equal(out['inputs'][1].numpy(),
                                  rgb[:, ::-1].transpose(2, 0, 1))


def test_repr():
    assert repr(PackDepthInputs(meta_keys=('img_path', ))) == \
        "PackDepthInputs(meta_keys=('img_path',))"
