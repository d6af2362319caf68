"""Weight initialisation shared by the transformer parts (Deformable-DETR
style): Xavier-uniform for every matrix."""
import torch.nn as nn


def xavier_init_matrices(module: nn.Module) -> None:
    """Xavier-uniform initialisation of every parameter of ``module`` with
    more than one dimension (linear and conv weights, embeddings, queries),
    in place; biases and norm parameters are left as they are.

    Args:
        module (nn.Module): The module whose parameters (its own and its
            submodules') to initialise.
    """
    for param in module.parameters():
        if param.dim() > 1:
            nn.init.xavier_uniform_(param)
