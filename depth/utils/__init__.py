"""The bottom layer: typing aliases and small helpers used everywhere."""
from .typing_utils import (ConfigType, ForwardResults, MultiConfig,
                           OptConfigType, OptMultiConfig, OptSampleList,
                           SampleList, TensorDict, TensorList)

__all__ = [
    'ConfigType', 'OptConfigType', 'MultiConfig', 'OptMultiConfig',
    'SampleList', 'OptSampleList', 'TensorDict', 'TensorList', 'ForwardResults'
]
