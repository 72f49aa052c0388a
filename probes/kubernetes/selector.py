"""Label selectors as `kubectl -l` takes them, for reading manifests the way the API server filters lists.

Grammar: requirements joined by commas; each is ``key``, ``!key``, ``key=value``,
``key==value``, ``key!=value``, ``key in (a,b)`` or ``key notin (a,b)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SET_RE = re.compile(r"\s*(?P<key>[^\s!=,()]+)\s+(?P<op>in|notin)\s*\((?P<values>[^()]*)\)\s*")
_EQUALITY_RE = re.compile(r"\s*(?P<key>[^\s!=,()]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=,()]*)\s*")
_EXISTS_RE = re.compile(r"\s*(?P<op>!?)\s*(?P<key>[^\s!=,()]+)\s*")


class SelectorError(ValueError):
    """A selector does not parse; the message names the bad requirement."""


@dataclass(frozen=True)
class Requirement:
    """One comma-separated part of a selector."""

    key: str
    """Label key."""
    op: str
    """One of: exists, !exists, in, notin."""
    values: frozenset[str] = frozenset()
    """Values for in/notin (= and != are one-value in/notin)."""

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when `labels` satisfy this requirement."""
        if self.op == "exists":
            return self.key in labels
        if self.op == "!exists":
            return self.key not in labels
        if self.op == "in":
            return labels.get(self.key) in self.values
        return labels.get(self.key) not in self.values


def _split(text: str) -> list[str]:
    """Split on the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def parse_selector(text: str) -> tuple[Requirement, ...]:
    """Parse a selector; an empty one selects everything."""
    if not text.strip():
        return ()
    requirements = []
    for part in _split(text):
        if match := _SET_RE.fullmatch(part):
            values = frozenset(v.strip() for v in match["values"].split(",") if v.strip())
            requirements.append(Requirement(match["key"], match["op"], values))
        elif match := _EQUALITY_RE.fullmatch(part):
            op = "notin" if match["op"] == "!=" else "in"
            requirements.append(Requirement(match["key"], op, frozenset({match["value"]})))
        elif match := _EXISTS_RE.fullmatch(part):
            requirements.append(Requirement(match["key"], "!exists" if match["op"] else "exists"))
        else:
            raise SelectorError(f"cannot read label selector requirement {part.strip()!r} (expected "
                                "key, !key, key=value, key!=value, key in (a,b) or key notin (a,b))")
    return tuple(requirements)


def selects(requirements: tuple[Requirement, ...], labels: Mapping[str, str] | None) -> bool:
    """True when an object with `labels` is selected."""
    return all(r.matches(labels or {}) for r in requirements)
