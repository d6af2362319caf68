import math

import pytest
import torch

from depth.models.layers import SinePositionalEncoding


def test_hand_computed_values():
    pe = SinePositionalEncoding(num_feats=4)
    out = pe(torch.zeros(1, 2, 3, dtype=torch.bool))
    assert out.shape == (1, 8, 2, 3)
    # pixel (row 1, col 2): y = 2, x = 3; dim_t = [1, 1, 100, 100]
    y, x = 2., 3.
    expected = [
        math.sin(y),
        math.cos(y),
        math.sin(y / 100),
        math.cos(y / 100),
        math.sin(x),
        math.cos(x),
        math.sin(x / 100),
        math.cos(x / 100)
    ]
    assert torch.allclose(out[0, :, 1, 2], torch.tensor(expected), atol=1e-6)


def test_mask_and_normalize():
    pe = SinePositionalEncoding(num_feats=2, normalize=True, scale=1.0, eps=0.)
    mask = torch.zeros(1, 2, 4, dtype=torch.bool)
    mask[:, :, 3] = True  # last column is padding
    out = pe(mask)
    # normalised x of column 1 (x = 2 of 3 valid) -> 2/3; sin(2/3)
    assert torch.allclose(out[0, 2, 0, 1], torch.tensor(math.sin(2 / 3)))
    # y normalised to 1 on the last row: sin(1)
    assert torch.allclose(out[0, 0, 1, 0], torch.tensor(math.sin(1.0)))


def test_bad_args():
    with pytest.raises(ValueError):
        SinePositionalEncoding(num_feats=3)
    with pytest.raises(ValueError):
        SinePositionalEncoding(num_feats=4)(torch.zeros(2, 3))
