"""check_pretrained_file and timm_pretrained_kwargs: local files only."""
import pytest

from depth.models.utils import check_pretrained_file, timm_pretrained_kwargs


def test_check_pretrained_file(tmp_path):
    weights = tmp_path / 'w.pth'
    weights.write_bytes(b'x')
    check_pretrained_file('Net', None)
    check_pretrained_file('Net', str(weights))
    with pytest.raises(
            TypeError,
            match=r'Net: `pretrained` must be a local '
            r'file path or None, not a bool'):
        check_pretrained_file('Net', True)
    missing = str(tmp_path / 'missing.pth')
    with pytest.raises(
            FileNotFoundError,
            match=r"Net: pretrained checkpoint '.*missing\.pth' for r50 does "
            r'not exist \(weights are never downloaded; convert one or set '
            r'pretrained=None\)'):
        check_pretrained_file('Net', missing, 'convert one', ' for r50')


def test_timm_pretrained_kwargs(tmp_path):
    weights = tmp_path / 'w.pth'
    weights.write_bytes(b'x')
    assert timm_pretrained_kwargs('Net', 'resnet18',
                                  None) == dict(pretrained=False)
    assert timm_pretrained_kwargs('Net', 'resnet18', str(weights)) == dict(
        pretrained=True, pretrained_cfg_overlay=dict(file=str(weights)))
    with pytest.raises(FileNotFoundError, match='for resnet18 does not'):
        timm_pretrained_kwargs('Net', 'resnet18', str(tmp_path / 'no.pth'))
