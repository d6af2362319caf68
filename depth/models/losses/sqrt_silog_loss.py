"""The square-rooted scale-invariant log loss of LacDepth / ZoeDepth."""
from typing import Optional

from depth.registry import MODELS
from .sig_loss import SigLoss


@MODELS.register_module()
class SqrtSILogLoss(SigLoss):
    """Square-root scale-invariant log loss, LacDepth Eq. (8) (LapDepth's
    data loss)::

        h_i  = log(pred_i + eps) - log(gt_i + eps)      over valid pixels
        loss = loss_weight * sqrt(mean(h ** 2) - lambd * mean(h) ** 2)

    How it differs from :class:`SigLoss`: algebraically
    ``mean(h**2) - lambd * mean(h)**2 = Var_biased(h) + (1 - lambd) *
    mean(h)**2``, so it is SigLoss with the *biased* variance (SigLoss, as
    the original toolbox, uses ``torch.var``, unbiased) and with no ``eps``
    inside the logarithms (the paper writes ``ln y - ln y*``; SigLoss adds
    1e-3). The ``x10`` is not inside the loss: it is the paper's balance
    factor ``u = 10`` of Eq. (7), i.e. ``loss_weight``. By default the
    pixels of the whole batch are pooled (``n`` = number of valid pixels,
    as in LapDepth's code); ``per_image=True`` evaluates Eq. (8) on each
    depth map and averages over the images that have valid pixels.

    It is :class:`SigLoss` with ``unbiased=False, eps=0`` (the same loss,
    kept as a name of its own for LacDepth's configs and the paper's
    notation). Computed in float32 even under AMP; a zero still attached to
    the graph when nothing is valid.

    Args:
        loss_weight (float): ``u``. Defaults to 10.0.
        lambd (float): ``lambda``. Defaults to 0.85.
        eps (float): Added inside both logarithms. Defaults to 0 (the
            paper); the prediction must then be positive on valid pixels
            (the attractor head's is at least ``min_depth``).
        per_image (bool): Per image instead of pooled. Defaults to False.
        max_depth (float, optional): Also drop pixels with ``gt > max_depth``.
        loss_name (str): Key in the loss dict. Defaults to 'loss_silog'.
    """

    def __init__(self,
                 loss_weight: float = 10.0,
                 lambd: float = 0.85,
                 eps: float = 0.0,
                 per_image: bool = False,
                 max_depth: Optional[float] = None,
                 loss_name: str = 'loss_silog') -> None:
        if not 0 <= lambd <= 1:
            raise ValueError(f'SqrtSILogLoss: lambd must be in [0, 1], got '
                             f'{lambd}')
        super().__init__(
            loss_weight=loss_weight,
            lambd=lambd,
            eps=eps,
            max_depth=max_depth,
            loss_name=loss_name,
            unbiased=False,
            per_image=per_image)
