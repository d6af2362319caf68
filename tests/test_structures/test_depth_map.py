import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from depth.structures import depth_map_array, depth_map_tensor


def test_pixel_data_and_dict_forms_give_the_hw_map():
    data = torch.arange(6.).view(1, 2, 3)
    for field in (PixelData(data=data), dict(data=data), dict(data=data[0])):
        out = depth_map_tensor(field)
        assert out.shape == (2, 3) and out[1, 2] == 5
    arr = depth_map_array(dict(data=np.ones((1, 2, 3), np.float64)))
    assert arr.dtype == np.float32 and arr.shape == (2, 3)


def test_other_shapes_are_refused():
    with pytest.raises(ValueError, match=r'\(1, H, W\) or \(H, W\)'):
        depth_map_tensor(PixelData(data=torch.zeros(2, 2, 3)))
