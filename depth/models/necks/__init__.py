"""Necks: feature fusion between backbone and head."""
from .hahi_hetero_neck import HAHIHeteroNeck
from .laplacian_pyramid_neck import LaplacianPyramidNeck

__all__ = ['HAHIHeteroNeck', 'LaplacianPyramidNeck']
