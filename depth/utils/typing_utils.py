"""Type aliases shared across ``depth``."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.config import ConfigDict

from depth.structures import DepthDataSample

ConfigType = Union[ConfigDict, dict]
OptConfigType = Optional[ConfigType]
MultiConfig = Union[ConfigType, Sequence[ConfigType]]
OptMultiConfig = Optional[MultiConfig]

SampleList = Sequence[DepthDataSample]
OptSampleList = Optional[SampleList]

TensorDict = Dict[str, torch.Tensor]
TensorList = Sequence[torch.Tensor]
ForwardResults = Union[Dict[str, torch.Tensor], List[DepthDataSample],
                       Tuple[torch.Tensor], torch.Tensor]
