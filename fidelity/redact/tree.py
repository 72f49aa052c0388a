"""One walk over a probe's data that makes it JSON-native and fingerprints every secret in it.

Every probe's data, built-in or third-party, passes through `protect` on its way into a snapshot,
so a secret is caught by what it looks like wherever a probe put it:

* every string leaf and every dict key is searched by `shapes.find_secret_spans`, and only the
  secret part (the span) becomes a keyed fingerprint, so that a changed host next to a masked
  password is still a finding on the host;
* below a secret-looking key name (`SecretKeeper.is_secret_name`, at any depth above), a string
  leaf or key that `shapes.looks_high_entropy` is fingerprinted whole; a key that held a secret
  makes its subtree secret-looking too;
* fingerprints already present are left alone, so protecting twice changes nothing.

Speed: the shape prefilter rejects ordinary strings in well under a microsecond, and the decisions
about a key (its protected text, whether its name looks secret) are memoised per distinct key.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from fidelity.redact.keeper import FINGERPRINT_RE, SecretKeeper
from fidelity.redact.shapes import find_secret_spans, looks_high_entropy

__all__ = ["MAX_DEPTH", "TreeTooDeep", "protect", "protect_path"]

#: Deepest nesting accepted: deeper data is an error, not a stack overflow.
MAX_DEPTH = 64
#: Distinct keys, and distinct strings, whose protected forms one walk remembers.
_MEMO_SIZE = 100_000


class TreeTooDeep(ValueError):
    """The data is nested deeper than the walk accepts."""


class _Walk:
    """One protecting walk: the keeper, and memos of decisions about keys and strings."""

    def __init__(self, keeper: SecretKeeper | None, max_depth: int) -> None:
        self.keeper = keeper
        self.max_depth = max_depth
        # Memos, one per "below a secret-looking name or not" (the decisions differ):
        # key text -> (protected text, whether its subtree is below a secret-looking name)
        self.keys: tuple[dict[str, tuple[str, bool]], dict[str, tuple[str, bool]]] = ({}, {})
        # string leaf -> protected string (probe data repeats values: levels, flags, image names)
        self.texts: tuple[dict[str, str], dict[str, str]] = ({}, {})

    def value(self, value: Any, depth: int, secret: bool) -> Any:
        kind = type(value)
        if kind is str:
            if self.keeper is None:
                return value
            texts = self.texts[secret]
            known = texts.get(value)
            return known if known is not None else self.text(value, secret)
        if kind is dict:
            if depth >= self.max_depth and value:
                raise TreeTooDeep(f"data is nested deeper than {self.max_depth} levels")
            keys = self.keys[secret]
            out: dict[str, Any] = {}
            for key, item in value.items():
                decided = keys.get(key) if type(key) is str else None
                name, below = decided if decided is not None else self.key(str(key), secret)
                kind = type(item)
                if kind is str and self.keeper is not None:
                    texts = self.texts[below]
                    known = texts.get(item)
                    out[name] = known if known is not None else self.text(item, below)
                elif kind is int or kind is bool or item is None:
                    out[name] = item
                else:
                    out[name] = self.value(item, depth + 1, below)
            return out
        if kind is int or kind is bool or value is None:
            return value
        if kind is list or kind is tuple:
            if depth >= self.max_depth and value:
                raise TreeTooDeep(f"data is nested deeper than {self.max_depth} levels")
            return [self.value(item, depth + 1, secret) for item in value]
        return self.other(value, depth, secret)

    def other(self, value: Any, depth: int, secret: bool) -> Any:
        """Anything but exact str, int, bool, None, dict, list and tuple: subclasses, floats, dates..."""
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, str):
            return self.value(str.__str__(value), depth, secret)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, dict):
            return self.value(dict(value), depth, secret)
        if isinstance(value, (list, tuple)):
            return self.value(list(value), depth, secret)
        if isinstance(value, (dt.date, dt.time)):
            return self.value(value.isoformat(), depth, secret)
        return self.value(str(value), depth, secret)

    def text(self, text: str, secret: bool) -> str:
        """A string leaf with its secret parts fingerprinted (whole, when random under a secret name)."""
        keeper = self.keeper
        assert keeper is not None
        if secret and looks_high_entropy(text):
            protected = keeper.fingerprint(text)
        elif find_secret_spans(text):
            protected = str(keeper.protect_value(text))
        else:
            protected = text
        texts = self.texts[secret]
        if len(texts) < _MEMO_SIZE:
            texts[text] = protected
        return protected

    def key(self, key: str, secret: bool) -> tuple[str, bool]:
        """A key's protected text, and whether the values below it are under a secret-looking name."""
        memo = self.keys[secret]
        known = memo.get(key)
        if known is not None:
            return known
        if self.keeper is None:
            decided = (key, secret)
        else:
            name = self.text(key, secret)
            if "[secret:" in name and FINGERPRINT_RE.search(name):  # held a secret: so may its subtree
                decided = (name, True)
            else:
                decided = (name, secret or self.keeper.is_secret_name(name))
        if len(memo) < _MEMO_SIZE:
            memo[key] = decided
        return decided


def protect(tree: Any, keeper: SecretKeeper | None, max_depth: int = MAX_DEPTH) -> Any:
    """A JSON-native copy of `tree` (str keys, lists, finite numbers, ISO dates) with every secret
    replaced by its keyed fingerprint; with no `keeper`, only the JSON-native copy.

    Raises `TreeTooDeep` for data nested deeper than `max_depth`.
    """
    return _Walk(keeper, max_depth).value(tree, 0, False)


def protect_path(segments: Sequence[str], keeper: SecretKeeper) -> tuple[str, ...]:
    """Path segments (keys from the probe's root down) protected exactly as `protect` protects
    the same keys in the data, so that a gap's segments still name the data's path."""
    walk = _Walk(keeper, MAX_DEPTH)
    protected: list[str] = []
    secret = False
    for segment in segments:
        name, secret = walk.key(segment, secret)
        protected.append(name)
    return tuple(protected)
