"""Keep timm's fused BatchNorm + activation layers intact under SyncBN
conversion."""
import torch.nn as nn
from timm.layers import BatchNormAct2d
from torch import Tensor


class NormAct(nn.Module):
    """A plain ``nn.BatchNorm2d`` followed by timm's drop and activation.

    timm's ``BatchNormAct2d`` is a ``BatchNorm2d`` subclass that also
    applies its activation. mmengine's ``convert_sync_batchnorm`` (used by
    ``cfg.sync_bn``) and ``revert_sync_batchnorm`` (used in every
    non-distributed run) replace any BatchNorm by a plain (Sync)BatchNorm
    and so silently drop that activation. Holding the norm as a child keeps
    the activation whatever the runner does to the norm.
    """

    def __init__(self, norm_act: BatchNormAct2d) -> None:
        super().__init__()
        bn = nn.BatchNorm2d(norm_act.num_features, norm_act.eps,
                            norm_act.momentum, norm_act.affine,
                            norm_act.track_running_stats)
        bn.load_state_dict(norm_act.state_dict())
        bn.train(norm_act.training)
        self.bn = bn
        self.drop = norm_act.drop
        self.act = norm_act.act

    def forward(self, x: Tensor) -> Tensor:
        return self.act(self.drop(self.bn(x)))


def split_norm_act(module: nn.Module) -> int:
    """Replace every timm ``BatchNormAct2d`` under ``module`` by
    :class:`NormAct`; returns how many were replaced."""
    count = 0
    for name, child in module.named_children():
        if isinstance(child, BatchNormAct2d) and \
                type(child).__name__ == 'BatchNormAct2d':
            setattr(module, name, NormAct(child))
            count += 1
        else:
            count += split_norm_act(child)
    return count
