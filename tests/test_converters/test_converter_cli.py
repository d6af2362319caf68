"""The converters' shared command line: SRC/DST arguments, reading a
release with its meta logged, --verbose key logging and the summary."""
import pytest
import torch

from depth.converters import converter_cli
from depth.converters.converter_cli import (converter_parser, log_key_changes,
                                            read_release_state_dict,
                                            report_conversion)


@pytest.fixture
def logged(monkeypatch):
    lines = []

    def fake_print_log(msg, logger=None, level=None):
        assert logger == 'current'
        lines.append(msg)

    monkeypatch.setattr(converter_cli, 'print_log', fake_print_log)
    return lines


def test_converter_parser_takes_src_and_dst():
    parser = converter_parser('Convert X', 'released checkpoint (X_*.pt)')
    parser.add_argument('--verbose', action='store_true')
    args = parser.parse_args(['x_nyu.pt', 'out.pth', '--verbose'])
    assert (args.src, args.dst, args.verbose) == ('x_nyu.pt', 'out.pth', True)
    assert parser.description == 'Convert X'
    text = parser.format_help()
    assert 'released checkpoint (X_*.pt)' in text
    assert 'output checkpoint (.pth)' in text
    with pytest.raises(SystemExit):
        parser.parse_args(['only_src.pt'])


def test_read_release_state_dict_logs_meta_and_unwraps(tmp_path, logged):
    src = str(tmp_path / 'release.pt')
    w = torch.arange(6.).reshape(2, 3)
    torch.save(
        dict(
            model={
                'module.head.weight': w,
                'module.head.bias': torch.zeros(2)
            },
            epoch=24,
            optimizer={}), src)
    state = read_release_state_dict(src, wrappers=('model', ))
    assert sorted(state) == ['head.bias', 'head.weight']
    assert torch.equal(state['head.weight'], w)
    assert logged == [f'{src}: epoch: 24']


def test_read_release_state_dict_tries_the_wrappers_in_order(tmp_path, logged):
    src = str(tmp_path / 'bare.pth')
    torch.save({'pretrained.w': torch.ones(1)}, src)
    # a bare state dict: no wrapper key, nothing to log
    state = read_release_state_dict(src, wrappers=('model', 'state_dict'))
    assert list(state) == ['pretrained.w'] and logged == []
    torch.save(dict(meta=dict(iter=8), state_dict={'a': torch.ones(1)}), src)
    assert list(read_release_state_dict(src, ['state_dict'])) == ['a']
    assert logged == [f'{src}: iter: 8']
    with pytest.raises(ValueError, match='no state dict found'):
        read_release_state_dict(src, wrappers=('model', ))


def test_log_key_changes_only_when_verbose(logged):
    log_key_changes(['a -> b', 'c dropped'], verbose=False)
    assert logged == []
    log_key_changes(['a -> b', 'c dropped'], verbose=True)
    assert logged == ['a -> b', 'c dropped']


def test_report_conversion(logged):
    converted = {'a': torch.ones(1), 'b': torch.ones(1), 'c': torch.ones(1)}
    report_conversion('src.pt', 'dst.pth', converted, ['x', 'y'],
                      'renamed, folded or dropped', 'configs/a.py')
    report_conversion(
        'src.pt',
        'dst.pth',
        converted, [],
        'renamed or dropped',
        'configs/b.py (backbone)',
        what='vitl encoder')
    assert logged == [
        'src.pt -> dst.pth: 3 tensors, 2 keys renamed, folded or dropped, '
        'loads strictly into configs/a.py',
        'src.pt -> dst.pth: vitl encoder, 3 tensors, 0 keys renamed or '
        'dropped, loads strictly into configs/b.py (backbone)'
    ]
