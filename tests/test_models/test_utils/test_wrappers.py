import pytest
import torch

from depth.models.utils import resize


def test_same_size_is_returned_as_is():
    x = torch.rand(2, 3, 5, 7)
    assert resize(x, (5, 7)) is x
    assert resize(x, torch.Size([5, 7]), align_corners=True) is x


@pytest.mark.parametrize('align_corners', [False, True])
def test_bilinear_values(align_corners):
    x = torch.tensor([[[[0.0, 3.0]]]])  # (1, 1, 1, 2)
    y = resize(x, (1, 4), align_corners=align_corners)
    # align_corners=True: endpoints kept, 1/3 steps; False: pixel centres
    # at (i + 0.5) * 2 / 4 - 0.5 in the source, clamped at the borders.
    want = [0.0, 1.0, 2.0, 3.0] if align_corners else [0.0, 0.75, 2.25, 3.0]
    assert torch.allclose(y[0, 0, 0], torch.tensor(want))


def test_nearest_ignores_align_corners():
    x = torch.arange(4.).view(1, 1, 2, 2)
    y = resize(x, (4, 4), mode='nearest', align_corners=True)
    assert y[0, 0].tolist()[0] == [0.0, 0.0, 1.0, 1.0]
