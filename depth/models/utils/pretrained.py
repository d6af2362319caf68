"""Checks of a backbone's ``pretrained`` argument: a local file or None,
since nothing is ever downloaded."""
import os.path as osp
from typing import Optional

from mmengine.logging import print_log


def check_pretrained_file(owner: str,
                          pretrained: Optional[str],
                          remedy: str = 'put the file there',
                          what: str = '') -> None:
    """Raise unless ``pretrained`` is None or an existing local file.

    Args:
        owner (str): The class, for the messages.
        pretrained (str, optional): The argument to check.
        remedy (str): How to get the file, for the message of a missing
            one (``... or set pretrained=None`` follows).
        what (str): Said after the path in that message, e.g.
            ``' for resnet50'``.

    Raises:
        TypeError: If ``pretrained`` is a bool (a hub download request).
        FileNotFoundError: If the file does not exist.
    """
    if isinstance(pretrained, bool):
        raise TypeError(f'{owner}: `pretrained` must be a local file path '
                        'or None, not a bool (weights are never downloaded)')
    if pretrained is not None and not osp.isfile(pretrained):
        raise FileNotFoundError(
            f'{owner}: pretrained checkpoint {pretrained!r}{what} does not '
            f'exist (weights are never downloaded; {remedy} or set '
            'pretrained=None)')


def timm_pretrained_kwargs(owner: str, model_name: str,
                           pretrained: Optional[str]) -> dict:
    """The ``timm.create_model`` arguments that load ``pretrained`` (checked
    with :func:`check_pretrained_file`) instead of downloading.

    Args:
        owner (str): The class, for the messages.
        model_name (str): The timm model.
        pretrained (str, optional): Local checkpoint file, or None.

    Returns:
        dict: ``pretrained`` (bool) and, with a file,
        ``pretrained_cfg_overlay=dict(file=pretrained)``.
    """
    check_pretrained_file(owner, pretrained, what=f' for {model_name}')
    if pretrained is None:
        return dict(pretrained=False)
    print_log(
        f'{owner}: loading {model_name} weights from {pretrained}',
        logger='current')
    return dict(pretrained=True, pretrained_cfg_overlay=dict(file=pretrained))
