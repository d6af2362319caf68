"""Distributed training on CPU (gloo) for the launch scripts."""
import logging

import torch
import torch.distributed as torch_dist
from mmengine.config import Config
from mmengine.logging import print_log


def setup_cpu_distributed(cfg: Config, launcher: str) -> None:
    """Make ``torchrun`` launches work on machines without a GPU.

    mmengine 0.10's ``init_dist`` always calls ``torch.cuda.set_device`` and
    its DDP wrapper always passes ``device_ids=[LOCAL_RANK]``; both fail on
    CPU. When ``launcher == 'pytorch'`` and no GPU is available this:

    - initialises the default process group with gloo (``env://`` from
      torchrun), so the Runner sees it as already initialised;
    - sets ``model_wrapper_cfg`` to a DDP wrapper with ``device_ids=None``;
    - drops ``sync_bn`` (SyncBatchNorm needs GPUs) with a warning.

    Does nothing on GPU machines or without a launcher.

    Args:
        cfg (Config): The full config, modified in place.
        launcher (str): ``--launcher`` of the tool.
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    print_log(
        'No GPU: distributed run on CPU with the gloo backend '
        f'(rank {torch_dist.get_rank()} of '
        f'{torch_dist.get_world_size()}).',
        logger='current')
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    if cfg.get('sync_bn') is not None:
        print_log(
            f'sync_bn={cfg.sync_bn!r} ignored: SyncBatchNorm needs GPUs',
            logger='current',
            level=logging.WARNING)
        cfg.sync_bn = None
