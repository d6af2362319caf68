"""xavier_init_matrices: every matrix Xavier-uniform, nothing else
touched."""
import math

import torch
import torch.nn as nn

from depth.models.utils import xavier_init_matrices


def test_xavier_init_matrices_touches_only_matrices():
    module = nn.Sequential(
        nn.Linear(30, 50), nn.BatchNorm1d(50), nn.Conv2d(3, 8, 3))
    module.register_parameter('queries', nn.Parameter(torch.zeros(7, 20)))
    for param in module.parameters():
        nn.init.constant_(param, 5.)
    xavier_init_matrices(module)
    linear, norm, conv = module
    # Bound sqrt(6 / (fan_in + fan_out)); a conv's fans count its kernel.
    for weight, fans in [(linear.weight, 30 + 50),
                         (conv.weight, 3 * 9 + 8 * 9),
                         (module.queries, 20 + 7)]:
        bound = math.sqrt(6. / fans)
        assert weight.abs().max() <= bound
        assert weight.abs().max() > 0.5 * bound  # drawn, not left at 5
    for vector in [linear.bias, norm.weight, norm.bias, conv.bias]:
        assert torch.all(vector == 5.)


def test_xavier_init_matrices_draws_in_parameter_order():
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 2))
    b = nn.Sequential(nn.Linear(4, 6), nn.Linear(6, 2))
    torch.manual_seed(1)
    xavier_init_matrices(a)
    torch.manual_seed(1)
    for param in b.parameters():
        if param.dim() > 1:
            nn.init.xavier_uniform_(param)
    for pa, pb in zip(a.parameters(), b.parameters()):
        if pa.dim() > 1:
            assert torch.equal(pa, pb)
