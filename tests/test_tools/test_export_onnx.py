"""tools/deployment/export_onnx.py: export the five model families (tiny
synthetic configs, random weights saved as a checkpoint) and check
onnxruntime against PyTorch; skipped without onnx/onnxruntime."""
import os.path as osp

import numpy as np
import pytest
import torch

pytest.importorskip('onnx')
ort = pytest.importorskip('onnxruntime')

from depth.apis import init_model  # noqa: E402
from depth.testing import REPO_ROOT, load_script  # noqa: E402

ROOT = REPO_ROOT

TOOL = load_script('tools/deployment/export_onnx.py', 'export_onnx_tool')

# family -> (tiny config, dynamic size supported by the TorchScript
# exporter, export size: small where the model allows it (speed); AdaBins'
# grid positional table needs its 8x10 tokens, i.e. the default: the
# synthetic test resolution 120x160 rounded up to the size divisor 32)
FAMILIES = {
    'densedepth':
    ('configs/densedepth/mobilenetv2_synthetic.py', True, (64, 96)),
    'depthformer':
    ('configs/depthformer/swint-tiny_synthetic.py', False, (64, 96)),
    'adabins': ('configs/adabins/efnet-tiny_synthetic.py', False, None),
    'lacdepth': ('configs/lacdepth/r18_synthetic.py', True, (64, 96)),
    'acan': ('configs/acan/r18_synthetic.py', True, (64, 96)),
}


def _checkpoint(config, tmp_path):
    torch.manual_seed(0)
    model = init_model(osp.join(ROOT, config))
    path = str(tmp_path / 'random.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_export_matches_pytorch(family, tmp_path, capsys):
    config, dynamic, size = FAMILIES[family]
    ckpt = _checkpoint(config, tmp_path)
    out = str(tmp_path / f'{family}.onnx')
    args = [osp.join(ROOT, config), ckpt, out]
    if dynamic:
        args.append('--dynamic')
    if size is not None:
        args += ['--shape', str(size[0]), str(size[1])]
    reports = TOOL.main(args)
    printed = capsys.readouterr().out
    assert 'max |onnx - torch|' in printed
    assert reports[0]['shape'] == (1, *(size or (128, 160)))
    assert len(reports) == (2 if dynamic else 1)
    for r in reports:
        assert 'error' not in r, r
        assert r['rel'] <= 1e-4, r
        assert r['max_depth'] > 0
    session = ort.InferenceSession(out, providers=['CPUExecutionProvider'])
    (inp, ), (outp, ) = session.get_inputs(), session.get_outputs()
    assert inp.name == 'image' and outp.name == 'depth'


def test_wrapper_equals_model_predict():
    """The exported function is the depther's whole-image prediction of a
    BGR uint8 image (preprocessing inside the graph)."""
    torch.manual_seed(0)
    model = init_model(
        osp.join(ROOT, FAMILIES['densedepth'][0]),
        cfg_options={
            'model.decode_head.up_sample_channels': [8, 8, 8, 16, 16],
            'model.decode_head.channels': 8
        })
    wrapper = TOOL.DepthONNXWrapper(model).eval()
    img = np.random.default_rng(0).integers(
        0, 256, (3, 64, 96), dtype=np.uint8)
    from depth.structures import DepthDataSample
    sample = DepthDataSample(
        metainfo=dict(img_shape=(64, 96), ori_shape=(64, 96)))
    with torch.no_grad():
        ref = model.test_step(
            dict(inputs=[torch.from_numpy(img)],
                 data_samples=[sample]))[0].pred_depth_map.data
        out = wrapper(torch.from_numpy(img).float()[None])[0]
    assert out.shape == ref.shape == (1, 64, 96)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-5)


def test_dynamic_refused_for_fixed_grid(tmp_path):
    """AdaBins' grid positional table fixes the token grid: the check on a
    second size fails with a clear message instead of passing silently."""
    config = FAMILIES['adabins'][0]
    ckpt = _checkpoint(config, tmp_path)
    with pytest.raises(SystemExit, match='check failed'):
        TOOL.main([
            osp.join(ROOT, config), ckpt,
            str(tmp_path / 'a.onnx'), '--dynamic'
        ])
