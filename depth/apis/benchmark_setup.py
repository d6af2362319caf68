"""What the model benchmarks of ``tools/analysis_tools`` (inference and
training) share: the set-up before timing and the dataset behind the
dataset wrappers of a config."""
from argparse import Namespace
from typing import Optional

import torch
from mmengine.config import Config

from depth.utils.cfg_options import load_config
from .inference import pretrained_off


def prepare_benchmark(args: Namespace,
                      tool: str,
                      cfg: Optional[Config] = None) -> Config:
    """Set torch's CPU threads (``--threads``), load the config with its
    ``--cfg-options``, switch its pretrained weights off and refuse
    ``--device cuda`` without a GPU.

    Args:
        args (Namespace): The benchmark's arguments (``config``,
            ``cfg_options``, ``threads``, ``device``).
        tool (str): The tool's file name, for the error message.
        cfg (Config, optional): The config of ``args`` already loaded
            (default: ``args.config`` with ``args.cfg_options``).

    Returns:
        Config: The config, its model's pretrained weights off.

    Raises:
        SystemExit: ``--device cuda`` but CUDA is not available.
    """
    if args.threads:
        torch.set_num_threads(args.threads)
    if cfg is None:
        cfg = load_config(args.config, args.cfg_options)
    pretrained_off(cfg.model)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit(f'{tool}: --device cuda but no GPU')
    return cfg


def innermost_dataset(cfg: Config, split: str) -> dict:
    """The dataset config of a split's dataloader, inside any dataset
    wrappers that hold it as ``dataset`` (``RepeatDataset``, ...).

    Args:
        cfg (Config): A depth config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.

    Returns:
        dict: The innermost ``dataset`` entry.
    """
    dataset = cfg[f'{split}_dataloader'].dataset
    while 'dataset' in dataset:  # dataset wrappers
        dataset = dataset.dataset
    return dataset
