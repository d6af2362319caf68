"""DepthMetric under real 2-process (gloo, CPU) evaluation.

mmengine's ``DefaultSampler`` pads the dataset so that every rank gets as
many samples (5 images on 2 ranks: rank 0 gets 0, 2, 4; rank 1 gets 1, 3
and a duplicate of 0). ``BaseMetric.evaluate`` gathers the per-rank result
lists with ``collect_results(size=len(dataset))``, which interleaves them
back into dataset order and drops the padded tail. That is only correct if
``process`` appends exactly one entry per image, including images without a
valid pixel: this test checks both the order and the numbers.
"""
import json
import os.path as osp

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

NUM_IMAGES = 5


def _dataset():
    """Per image: (gt, pred) 1x1 maps. abs_rel per image: 0: |3-1|/1 = 2,
    1: 0, 2: no valid pixel, 3: |1-2|/2 = 0.5, 4: 0."""
    return [([[1.]], [[3.]]), ([[2.]], [[2.]]), ([[0.]], [[5.]]),
            ([[2.]], [[1.]]), ([[4.]], [[4.]])]


def _samples(indices):
    from mmengine.structures import PixelData

    from depth.structures import DepthDataSample
    data = _dataset()
    out = []
    for i in indices:
        gt, pred = data[i]
        sample = DepthDataSample(metainfo=dict(img_path=f'img_{i}.png'))
        sample.gt_depth_map = PixelData(data=torch.tensor([gt]))
        sample.pred_depth_map = PixelData(data=torch.tensor([pred]))
        out.append(sample.to_dict())
    return out


def _worker(rank, world_size, init_file, out_file):
    torch.set_num_threads(1)
    dist.init_process_group(
        'gloo',
        init_method=f'file://{init_file}',
        rank=rank,
        world_size=world_size)
    try:
        from mmengine.dataset import DefaultSampler

        from depth.testing import depth_metric
        sampler = DefaultSampler(list(range(NUM_IMAGES)), shuffle=False)
        indices = list(iter(sampler))
        metric = depth_metric(1e-3, 10., None)
        seen = {}
        compute = metric.compute_metrics

        def recording_compute(results):
            seen['paths'] = [r['img_path'] for r in results]
            return compute(results)

        metric.compute_metrics = recording_compute
        for i in indices:  # batch size 1, as the test loop would
            metric.process({}, _samples([i]))
        out = metric.evaluate(NUM_IMAGES)
        if rank == 0:
            with open(out_file, 'w') as f:
                json.dump(
                    dict(indices=indices, paths=seen['paths'], metrics=out), f)
    finally:
        dist.destroy_process_group()


@pytest.mark.skipif(not dist.is_available(), reason='no torch.distributed')
def test_two_rank_collection_trims_padding(tmp_path):
    out_file = str(tmp_path / 'out.json')
    mp.spawn(
        _worker,
        args=(2, str(tmp_path / 'init'), out_file),
        nprocs=2,
        join=True)
    with open(out_file) as f:
        out = json.load(f)
    assert out['indices'] == [0, 2, 4]  # rank 0's share
    # dataset order, the padded duplicate of image 0 dropped
    assert out['paths'] == [f'img_{i}.png' for i in range(NUM_IMAGES)]
    # mean over the 4 images with a valid pixel: (2 + 0 + 0.5 + 0) / 4
    assert out['metrics']['abs_rel'] == pytest.approx(2.5 / 4)

    # the same as a single process
    from depth.testing import depth_metric
    metric = depth_metric(1e-3, 10., None)
    metric.process({}, _samples(range(NUM_IMAGES)))
    single = metric.evaluate(NUM_IMAGES)
    assert single == pytest.approx(out['metrics'])
    assert osp.exists(out_file)
