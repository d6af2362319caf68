from .sig_loss import SigLoss

__all__ = ['SigLoss']
