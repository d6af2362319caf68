"""Key rules: conversion tables written as data."""
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

from torch import Tensor


@dataclass(frozen=True)
class KeyRule:
    """One rename rule of a conversion table.

    A key that fully matches ``pattern`` (a regular expression) is renamed
    with ``re.sub(pattern, repl, key)``; ``repl=None`` drops it (for
    tensors that have no counterpart, e.g. non-persistent buffers or a
    training-only module). ``transform`` maps the tensor (e.g. a channel
    permutation).

    Args:
        pattern (str): Regular expression matched against the whole key.
        repl (str, optional): Replacement (``\\1`` etc. refer to groups);
            None drops the key.
        transform (callable, optional): ``Tensor -> Tensor``.
        note (str): Why the rule exists (shown by ``--verbose``).
    """

    pattern: str
    repl: Optional[str]
    transform: Optional[Callable[[Tensor], Tensor]] = None
    note: str = ''

    def match(self, key: str) -> Optional['re.Match']:
        return re.fullmatch(self.pattern, key)


def apply_key_rules(state_dict: Dict[str, Tensor],
                    rules: Sequence[KeyRule],
                    source: str = 'checkpoint',
                    log: Optional[List[str]] = None) -> Dict[str, Tensor]:
    """Rename (and transform) every key with the first rule that matches.

    Every key must be matched by a rule (a catch-all ``KeyRule('(.*)',
    r'\\1')`` keeps the rest unchanged): a key that no rule matches is an
    error, so nothing is dropped silently.

    Args:
        state_dict (dict[str, Tensor]): Source tensors.
        rules (Sequence[KeyRule]): Tried in order.
        source (str): Name of the source (for messages).
        log (list[str], optional): Receives one line per renamed, dropped
            or transformed key.

    Returns:
        dict[str, Tensor]: Converted tensors.

    Raises:
        KeyError: A key matched no rule, or two keys map to the same name.
    """
    out: Dict[str, Tensor] = {}
    origin: Dict[str, str] = {}
    unmatched = []
    for key, value in state_dict.items():
        for rule in rules:
            m = rule.match(key)
            if m is None:
                continue
            if rule.repl is None:
                if log is not None:
                    log.append(f'drop   {key}')
                break
            new = m.expand(rule.repl)
            if rule.transform is not None:
                value = rule.transform(value)
            if new in out:
                raise KeyError(f'{source}: {origin[new]!r} and {key!r} both '
                               f'convert to {new!r}')
            out[new] = value
            origin[new] = key
            if log is not None and (new != key or rule.transform):
                extra = ' (transformed)' if rule.transform else ''
                log.append(f'rename {key} -> {new}{extra}')
            break
        else:
            unmatched.append(key)
    if unmatched:
        raise KeyError(f'{source}: {len(unmatched)} keys match no conversion '
                       f'rule (another architecture?): {unmatched[:20]}')
    return out
