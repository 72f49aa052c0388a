"""A survey of a parsed JSON document: what the protecting walk would look at, gathered in one lean pass.

The protecting walk (`tree.py`) copies every container and looks up every key and string leaf. For
a large document with no secret in it, all that work returns a copy equal to its input. A survey
collects, without copying, what decides whether the walk can change anything: the distinct key
names, the distinct string leaves, the deepest non-empty container, the number of keys (for a
parser to prove that no key was written twice), and whether every float is one that every JSON
writer writes alike (the walk's `plain`, which the snapshot writer trusts). `SubtreeProtector.protect`
then asks the walk's own decisions about each distinct key and string, and keeps the document as it
is only when none of them changes anything (see `SubtreeProtector.unchanged`).

Only a tree as a JSON parser makes it is surveyed: dicts with str keys, lists, str, int, bool, None
and finite floats. Anything else (a non-finite float, a tuple, a str subclass, a date...) makes
`survey_json` return None, and the caller walks the tree the ordinary way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Survey", "survey_json"]


@dataclass(frozen=True)
class Survey:
    """What a JSON document holds that the protecting walk decides about."""

    keys: frozenset[str]
    """Every distinct key name, at any depth."""
    strings: frozenset[str]
    """Every distinct string leaf (a dict value or a list item), at any depth."""
    key_count: int
    """Keys counted with repeats: the sum of the sizes of every dict."""
    deepest: int
    """Depth of the deepest non-empty container (the root is at 0)."""
    plain: bool = True
    """Whether every float is 0.0 or in [1e-4, 1e16) in size: one that every JSON writer writes alike
    (the protecting walk's `plain`, which lets the snapshot writer skip its own check)."""


def survey_json(tree: Any) -> Survey | None:
    """The survey of `tree`, a dict or list made by a JSON parser; None for anything else in it."""
    if type(tree) is not dict and type(tree) is not list:
        return None
    keys: set[Any] = set()
    strings: set[str] = set()
    add = strings.add
    key_count = deepest = 0
    plain = True
    pending: list[tuple[Any, int]] = [(tree, 0)] if tree else []
    push, pop = pending.append, pending.pop
    text, number, flag, table, array, real = str, int, bool, dict, list, float  # locals: a faster loop
    while pending:
        node, depth = pop()
        if depth > deepest:
            deepest = depth
        if type(node) is table:
            keys.update(node)
            key_count += len(node)
            values = node.values()
        else:
            values = node
        for value in values:
            kind = type(value)
            if kind is text:
                add(value)
            elif kind is number or kind is flag or value is None:
                pass
            elif kind is table or kind is array:
                if value:
                    push((value, depth + 1))
            elif kind is not real or value - value != 0.0:  # NaN and infinities give NaN
                return None
            elif plain and not (1e-4 <= abs(value) < 1e16 or value == 0.0):  # written as 1e+16, 1e-05
                plain = False
    if any(type(key) is not str for key in keys):
        return None
    return Survey(frozenset(keys), frozenset(strings), key_count, deepest, plain)
