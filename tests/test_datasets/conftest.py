"""Fixtures for the dataset and transform tests: tiny files in tmp_path."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope


def _write(path: str, array: np.ndarray) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    assert cv2.imwrite(path, array), path
    return path


@pytest.fixture
def write_png():
    """``write_png(path, array)``: write an image (any dtype cv2 takes)."""
    return _write


@pytest.fixture
def write_text():
    """``write_text(path, text)``: write a text file, making folders."""

    def write(path: str, text: str) -> str:
        os.makedirs(osp.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path

    return write


@pytest.fixture
def ramp():
    """``ramp(h, w)``: float32 image whose channels are (col, row, 1) and a
    depth map ``(col + 1) + 10000 (row + 1)``, so that any pixel of either
    tells where it came from (0 only where a transform filled in)."""

    def make(height: int, width: int):
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        img = np.stack([cols, rows, np.ones_like(rows)], axis=2)
        depth = (cols + 1) + 10000 * (rows + 1)
        return img, depth.astype(np.float32)

    return make


@pytest.fixture(autouse=True)
def _depth_scope():
    """Run every test in the ``depth`` default scope; clean up after."""
    import depth.datasets  # noqa: F401  (registers everything)
    name = f'test_datasets_{np.random.randint(1 << 30)}'
    DefaultScope.get_instance(name, scope_name='depth')
    yield
    DefaultScope._instance_dict.pop(name, None)
