"""The tree diff engine: two JSON-native trees in, raw changes and leaf counts out.

Speed comes from letting Python compare whole subtrees in C (`a == b`) and
descending only into subtrees that differ, so cost follows the size of the trees
for counting and the number of differences for everything else. Numbers compare
by value, as in Python: 30 equals 30.0 (and, inside an otherwise equal table,
true equals 1); a string never equals a number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import is_not, ne, or_
from typing import Any

from fidelity.model import Change, DiffChange, ListHint
from fidelity.model import finding_paths as paths
from fidelity.redact import is_secret, without_fingerprints

Rewriter = Callable[[tuple[str, ...], Any], Any]
_CONTAINERS = frozenset({dict, list})


@dataclass(frozen=True)
class TreeDiff:
    """The differences between two trees and how much of them matched."""

    changes: tuple[DiffChange, ...]
    """Raw changes in tree order."""
    compared: int
    """Leaves present on either side (a leaf on both sides counts once)."""
    matched: int
    """Leaves equal on both sides."""
    uncomparable_secrets: int = 0
    """Secret leaves skipped because the snapshots used different keys."""


def count_leaves(value: Any) -> int:
    """Scalars, and empty containers, count as one leaf each."""
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return 1
    if _CONTAINERS.isdisjoint(map(type, items)):  # in C: most tables hold scalars only, counted by length
        return len(items) or 1
    total = 0
    for item in items:
        item_kind = type(item)
        total += count_leaves(item) if (item_kind is dict or item_kind is list) else 1
    return total or 1


class Walker:
    """Walks two trees, collecting the changes and counting the leaves."""

    def __init__(self, hints: Sequence[ListHint], rewrite: Rewriter | None,
                 secrets_comparable: bool) -> None:
        self.hints = hints
        self.rewrite = rewrite
        self.secrets_comparable = secrets_comparable
        self.changes: list[DiffChange] = []
        self.compared = 0
        self.matched = 0
        self.uncomparable = 0

    def walk(self, a: Any, b: Any, seg: tuple[str, ...]) -> None:
        if a == b and type(a) is type(b):
            n = count_leaves(a)
            self.compared += n
            self.matched += n
            return
        self.walk_unequal(a, b, seg)

    def walk_unequal(self, a: Any, b: Any, seg: tuple[str, ...]) -> None:
        """`walk` for two values known to differ (in value, or in type)."""
        kind_a, kind_b = type(a), type(b)
        if kind_a is dict and kind_b is dict:
            self.walk_dicts(a, b, seg)
            return
        if kind_a is list and kind_b is list and self.hints:
            hint = self.hint_for(seg)
            if hint is not None and self.walk_hinted(a, b, seg, hint):
                return
        self.leaf(a, b, seg)

    def walk_dicts(self, a: dict[str, Any], b: dict[str, Any], seg: tuple[str, ...]) -> None:
        keys = list(a)
        if len(keys) == len(b) and keys == list(b):  # the usual case: the same keys in the same order
            self.walk_same_keys(keys, list(a.values()), list(b.values()), seg)
            return
        for key, value in a.items():
            if key in b:
                self.walk(value, b[key], (*seg, key))
            else:
                self.compared += count_leaves(value)
                self.changes.append(DiffChange((*seg, key), Change.MISSING, value, None))
        for key, value in b.items():
            if key not in a:
                self.compared += count_leaves(value)
                self.changes.append(DiffChange((*seg, key), Change.EXTRA, None, value))

    def walk_same_keys(self, keys: list[str], a: list[Any], b: list[Any], seg: tuple[str, ...]) -> None:
        """Two tables with the same keys: the values that differ (in value, or in type: 1 and 1.0,
        true and 1) are found in C and walked in key order, as the general walk does; the others
        are counted."""
        types_a = list(map(type, a))
        if types_a == list(map(type, b)):
            differ = list(compress(range(len(keys)), map(ne, a, b)))
        else:
            differ = list(compress(range(len(keys)), map(or_, map(ne, a, b),
                                                         map(is_not, types_a, map(type, b)))))
        walk = self.walk_unequal
        for i in differ:
            walk(a[i], b[i], (*seg, keys[i]))
        if not _CONTAINERS.isdisjoint(types_a):
            equal_values = [True] * len(a)
            for i in differ:
                equal_values[i] = False
            equal = sum(map(count_leaves, compress(a, equal_values)))
        else:
            equal = len(a) - len(differ)
        self.compared += equal
        self.matched += equal

    def leaf(self, a: Any, b: Any, seg: tuple[str, ...]) -> None:
        if self.rewrite is not None:
            rewritten = self.rewrite(seg, b)
            if rewritten == a and type(rewritten) is type(a):
                n = count_leaves(a)
                self.compared += n
                self.matched += n
                return
            b_cmp = rewritten
        else:
            b_cmp = b
        if (not self.secrets_comparable and is_secret(a) and is_secret(b)
                and without_fingerprints(a) == without_fingerprints(b_cmp)):
            self.uncomparable += 1
            return
        self.compared += max(count_leaves(a), count_leaves(b))
        self.changes.append(DiffChange(seg, Change.CHANGED, a, b, None if b_cmp is b else b_cmp))

    def hint_for(self, seg: tuple[str, ...]) -> ListHint | None:
        path = paths.join(seg)
        return next((h for h in self.hints if paths.matches(h.pattern, path)), None)

    def walk_hinted(self, a: list[Any], b: list[Any], seg: tuple[str, ...], hint: ListHint) -> bool:
        if hint.key is None:
            ka, kb = _as_set(a), _as_set(b)
        else:
            ka, kb = _as_keyed(a, hint.key), _as_keyed(b, hint.key)
        if ka is None or kb is None:
            return False  # not shaped as the hint says: compare as one value
        self.walk_dicts(ka, kb, seg)
        return True


def _as_keyed(items: list[Any], key: str) -> dict[str, Any] | None:
    keyed: dict[str, Any] = {}
    for item in items:
        if not isinstance(item, dict) or key not in item:
            return None
        name = str(item[key])
        if name in keyed:
            return None
        keyed[name] = item
    return keyed


def _as_set(items: list[Any]) -> dict[str, Any] | None:
    members: dict[str, Any] = {}
    for item in items:
        name = item if isinstance(item, str) else json.dumps(item, sort_keys=True)
        members[name] = item
    return members


def diff_trees(
    reference: Any,
    candidate: Any,
    *,
    hints: Sequence[ListHint] = (),
    rewrite: Rewriter | None = None,
    secrets_comparable: bool = True,
) -> TreeDiff:
    """Compare two JSON-native trees.

    `hints` say which lists are sets or keyed by a field; other lists are single
    values. `rewrite` maps a candidate leaf before it is compared. When
    `secrets_comparable` is false, leaves that differ only in secret fingerprints
    are skipped and counted instead of reported.
    """
    walker = Walker(hints, rewrite, secrets_comparable)
    walker.walk(reference, candidate, ())
    return TreeDiff(tuple(walker.changes), walker.compared, walker.matched, walker.uncomparable)
