"""One walk over a probe's data that makes it JSON-native and fingerprints every secret in it.

Every probe's data, built-in or third-party, passes through `protect` on its way into a snapshot,
so a secret is caught by what it looks like wherever a probe put it:

* every string leaf and every dict key is searched by `shapes.find_secret_spans`, and only the
  secret part (the span) becomes a keyed fingerprint, so that a changed host next to a masked
  password is still a finding on the host;
* below a secret-looking key name (`SecretKeeper.is_secret_name`, at any depth above), a string
  leaf or key that `entropy.looks_high_entropy` is fingerprinted whole, and so is every
  single-quoted literal inside one (a column default `'q8Zr…'::text` keeps its cast, and a
  password `'hunter2'` is caught although it does not look random); a key that held a secret
  makes its subtree secret-looking too;
* fingerprints already present are left alone, so protecting twice changes nothing;
* with `whole_below` (a probe's option, e.g. config_files' ``secret_keys`` globs), every leaf below
  a key whose name looks secret (or matches one of the globs) is fingerprinted whole, whatever it
  looks like, in the same walk; except what `text.is_policy` finds to be policy (a boolean; a
  number under a name that measures the secret, ``password_min_length``; the same written as
  text in a .env file), which stays as it is, unless a name the user declared secret (a glob, the
  keeper's `extra_names`) is at or above it.

`protect_subtree` (`subtree.py`) lets a probe protect its own data where it makes it (in the same
walk as any per-leaf work of its own): what it returns is marked, and the snapshot's walk keeps a marked
subtree made with the same keeper, at the same place, as it is instead of walking it again.

Speed: the shape prefilter rejects ordinary strings in well under a microsecond, and the decisions
about a key (its protected text, whether its name looks secret) are memoised per distinct key, so a
walk costs one dictionary look-up per key and per string leaf.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import Any, cast

from fidelity.redact.argv import is_mysql_client, secret_flag
from fidelity.redact.detectors import Lazy
from fidelity.redact.entropy import looks_high_entropy
from fidelity.redact.keeper import FINGERPRINT_RE, SecretKeeper
from fidelity.redact.shapes import find_secret_spans, none_has_a_secret
from fidelity.redact.text import is_policy, no_secret_name

__all__ = ["MAX_DEPTH", "TreeTooDeep", "key_as_shown", "protect", "protect_checked", "protect_path"]

#: Deepest nesting accepted: deeper data is an error, not a stack overflow.
MAX_DEPTH = 64
#: Distinct keys, and distinct strings, whose protected forms one walk remembers.
_MEMO_SIZE = 100_000
#: Undecided names in one object above which the walk first tries to decide them all at once.
_BULK_KEYS = 16
#: Names joined into one text per search when they are decided together.
_KEYS_PER_SEARCH = 16_384


class TreeTooDeep(ValueError):
    """The data is nested deeper than the walk accepts."""


#: Bits of a walk's state below a key: a secret-looking name above (random strings are fingerprinted
#: whole); with `whole_below`, a name above below which every leaf is fingerprinted whole, except
#: policy (`text.is_policy`: a boolean, `password_min_length = 6`, `TOKEN_REQUIRED=false`); and a
#: name at or above that the user declared secret (`whole_below`, the keeper's `extra_names`), below
#: which policy is fingerprinted too.
SECRET, WHOLE, DECLARED = 1, 2, 4
#: An HTTP credential as a header holds it: a scheme word, one blank, one credential.
_SCHEME_AND_CREDENTIAL = Lazy(r"(?i:bearer|basic|token) \S+")
#: A single-quoted literal (SQL: a quote inside is doubled) that holds something.
_QUOTED = Lazy(r"'((?:[^']|'')+)'")


class _Walk:
    """One protecting walk: the keeper, and memos of decisions about keys and strings."""

    def __init__(self, keeper: SecretKeeper | None, max_depth: int,
                 whole_below: Sequence[str] | None = None) -> None:
        self.keeper = keeper
        self.max_depth = max_depth
        self.whole_below = None if whole_below is None else tuple(whole_below)
        # Memos, one per state (the decisions differ):
        # key text -> (protected text, the state of its subtree)
        self.keys: tuple[dict[str, tuple[str, int]], ...] = tuple({} for _ in range(8))
        # string leaf -> protected string, one per SECRET bit (probe data repeats values: levels, flags)
        self.texts: tuple[dict[str, str], dict[str, str]] = ({}, {})
        self.plain = True
        """Whether everything walked so far was of exact JSON types (str keys; str, int, bool, None,
        dict, list, tuple; subtrees marked plain) or a float in [1e-4, 1e16) or 0.0: then what the
        walk made needs no other check before `msgspec` writes it as the stdlib would."""

    def value(self, value: Any, depth: int, state: int) -> Any:
        kind = type(value)
        if state & WHOLE and kind is not dict and kind is not list and kind is not tuple:
            return self.whole(value, depth, state)
        if kind is str:
            if self.keeper is None:
                return value
            texts = self.texts[state]
            known = texts.get(value)
            return known if known is not None else self.text(value, state)
        if kind is dict:
            if depth >= self.max_depth and value:
                raise TreeTooDeep(f"data is nested deeper than {self.max_depth} levels")
            keys = self.keys[state]
            # many names (tables, columns), or a probe's top level (its files): decided together, which
            # spares a run whose names all pass compiling the per-name expressions
            if state == 0 and (len(value) > _BULK_KEYS or depth == 0):
                fresh = [key for key in value if type(key) is str and key not in keys]
                if fresh and (depth == 0 or len(fresh) > _BULK_KEYS):
                    self.keeps_keys(fresh)
            out: dict[str, Any] = {}
            for key, item in value.items():
                decided = keys.get(key) if type(key) is str else None
                if decided is None:
                    if type(key) is not str:
                        self.plain = False
                    decided = self.key(str(key), state)
                name, below = decided
                kind = type(item)
                if below & WHOLE:
                    if not below & DECLARED and is_policy(key if type(key) is str else str(key), item):
                        out[name] = item if kind is not float else self.other(item, depth + 1, 0)
                    else:
                        out[name] = self.value(item, depth + 1, below)
                elif kind is str and self.keeper is not None:
                    texts = self.texts[below]
                    known = texts.get(item)
                    out[name] = known if known is not None else self.text(item, below)
                elif kind is int or kind is bool or item is None:
                    out[name] = item
                else:
                    out[name] = self.value(item, depth + 1, below)
            if "value" in value and self.keeper is not None and not state & WHOLE:
                self._named_value(value, out, depth, state)
            return out
        if kind is int or kind is bool or value is None:
            return value
        if kind is list or kind is tuple:
            if depth >= self.max_depth and value:
                raise TreeTooDeep(f"data is nested deeper than {self.max_depth} levels")
            if state & WHOLE or self.keeper is None:
                return [self.value(item, depth + 1, state) for item in value]
            texts = self.texts[state]
            items: list[Any] = []
            flagged = False
            for item in value:  # as `value` does for each item, without a call per string (column lists)
                kind = type(item)
                if kind is str:
                    known = texts.get(item)
                    items.append(known if known is not None else self.text(item, state))
                    flagged = flagged or item[:1] == "-"
                elif kind is int or kind is bool or item is None:
                    items.append(item)
                else:
                    items.append(self.value(item, depth + 1, state))
            if flagged:
                self._flag_values(value, items)
            return items
        return self.other(value, depth, state)

    def other(self, value: Any, depth: int, state: int) -> Any:
        """Anything but exact str, int, bool, None, dict, list and tuple: subclasses, floats, dates..."""
        if isinstance(value, _Marked) and value.keeper is self.keeper and value.state == state \
                and depth + value.depth <= self.max_depth:  # protected already, at a place like this one
            self.plain = self.plain and value.plain
            return dict(value) if isinstance(value, dict) else list(cast(list[Any], value))
        if type(value) is float and (1e-4 <= abs(value) < 1e16 or value == 0.0):
            return value
        self.plain = False
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, str):
            return self.value(str.__str__(value), depth, state)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, dict):
            return self.value(dict(value), depth, state)
        if isinstance(value, (list, tuple)):
            return self.value(list(value), depth, state)
        if isinstance(value, (dt.date, dt.time)):
            return self.value(value.isoformat(), depth, state)
        return self.value(str(value), depth, state)

    def _flag_values(self, argv: Sequence[Any], items: list[Any]) -> None:
        """A command line's secret arguments (`--db-password X`, `redis-cli -a X`: `argv.secret_flag`;
        `mysqladmin ping -pX` after a MySQL client) fingerprinted whole in `items`, the protected copy
        of `argv`, in place."""
        assert self.keeper is not None
        program = argv[0] if type(argv[0]) is str else ""
        mysql = False
        for index, flag in enumerate(argv):
            if type(flag) is not str:
                continue
            mysql = mysql or is_mysql_client(flag)
            if mysql and flag.startswith("-p") and len(flag) > 2 and not FINGERPRINT_RE.fullmatch(flag[2:]):
                items[index] = "-p" + self.keeper.fingerprint(flag[2:])  # mysql's -p takes it attached
                continue
            following = argv[index + 1] if index + 1 < len(argv) else None
            if type(following) is str and secret_flag(flag, program, following) \
                    and not FINGERPRINT_RE.fullmatch(following):
                items[index + 1] = self.keeper.fingerprint(following)

    def _named_value(self, pair: dict[Any, Any], out: dict[str, Any], depth: int, state: int) -> None:
        """`{name: DB_PASSWORD, value: …}` (a container's env, a header list, an ECS task's environment):
        the value is protected as the walk protects one below a key of that name (`key`: a secret-looking
        name, or one the user declared secret), and whole, in `out`, the protected copy, in place."""
        name = next((pair[k] for k in _PAIR_NAMES if type(pair.get(k)) is str), None)
        if name is None:
            return
        below = self.key(name, state)[1]
        if below == state or not below & (SECRET | WHOLE):  # the name changes nothing about its value
            return
        item = pair["value"]
        if item is None or FINGERPRINT_RE.fullmatch(str(item)) \
                or (not below & DECLARED and is_policy(name, item)):
            return
        out[self.key("value", state)[0]] = self.value(item, depth + 1, below | SECRET | WHOLE)

    def whole(self, value: Any, depth: int, state: int) -> Any:
        """A leaf below a `whole_below` name: the fingerprint of its JSON-native form (None stays None)."""
        if value is None:
            return None
        if self.keeper is None:
            self.plain = False
        if isinstance(value, (dict, list, tuple)):  # a subclass: walked as the container it is
            return self.other(value, depth, state)
        kind = type(value)
        if kind is not str and kind is not int and kind is not bool and kind is not float:
            value = _Walk(None, self.max_depth).value(value, depth, 0)
        if self.keeper is None:
            return value
        if kind is str and _SCHEME_AND_CREDENTIAL.fullmatch(value):
            schemed = self._schemed(value)
            if schemed is not None:
                return schemed
        fingerprint = self.keeper.fingerprint(value)
        known = self.texts[state & SECRET].get(fingerprint)
        return known if known is not None else self.text(fingerprint, state & SECRET)

    def _schemed(self, value: str) -> str | None:
        """`Bearer <credential>` (Basic, Token) below a secret name, as `Bearer [secret:…]`: the scheme
        stays comparable, as it does where the shape alone finds the credential. None unless the
        shape detector fingerprints the whole credential, leaving exactly the scheme word."""
        assert self.keeper is not None
        protected = str(self.keeper.protect_value(value))
        scheme, _, rest = protected.partition(" ")
        if value.startswith(scheme + " ") and FINGERPRINT_RE.fullmatch(rest):
            return protected
        return None

    def text(self, text: str, secret: int) -> str:
        """A string leaf with its secret parts fingerprinted (whole, when random under a secret name)."""
        keeper = self.keeper
        assert keeper is not None
        if secret and looks_high_entropy(text):
            protected = keeper.fingerprint(text)
        elif "=" in text and (assigned := _assigned(text, keeper)) is not None:
            protected = assigned
        elif secret and "'" in text and _QUOTED.search(text):
            protected = str(keeper.protect_value(_QUOTED.sub(lambda m: _literal(m, keeper), text)))
        elif find_secret_spans(text):
            protected = str(keeper.protect_value(text))
        else:
            protected = text
        texts = self.texts[secret]
        if len(texts) < _MEMO_SIZE:
            texts[text] = protected
        return protected

    def keeps_keys(self, keys: list[str]) -> bool:
        """True when `key(k, 0)` is `(k, 0)` for every one of `keys`, found by three searches over
        them all (the shape prefilter, the secret-name prefilter, a fingerprint) rather than one
        decision per key; the decisions are then remembered. False may be wrong: ask each key.
        An empty `whole_below` (config_files with no `secret_keys`) declares no name: the same three
        searches decide (a name they clear is not secret-looking, so no leaf below it is taken whole)."""
        if self.keeper is None or self.keeper.extra_names or self.whole_below:
            return False
        for start in range(0, len(keys), _KEYS_PER_SEARCH):  # a bounded text per search, however many
            some = keys[start:start + _KEYS_PER_SEARCH]
            if "[secret:" in "\n".join(some) or not no_secret_name(some) or not none_has_a_secret(some):
                return False
        memo = self.keys[0]
        for key in keys[:max(0, _MEMO_SIZE - len(memo))]:
            memo[key] = (key, 0)
        return True

    def key(self, key: str, state: int) -> tuple[str, int]:
        """A key's protected text, and the state of the values below it."""
        memo = self.keys[state]
        known = memo.get(key)
        if known is not None:
            return known
        if self.keeper is None:
            decided = (key, state)
        else:
            name = self.text(key, state & SECRET)
            # below a secret-looking name, or a key that held a secret (so may its subtree)
            secret = state & SECRET or ("[secret:" in name and FINGERPRINT_RE.search(name)) \
                or self.keeper.is_secret_name(name)
            below = state | SECRET if secret else state
            if self.whole_below is not None:
                if self.keeper.declared_secret_name(key, self.whole_below):
                    below |= WHOLE | DECLARED
                elif self.keeper.is_secret_name(key):
                    below |= WHOLE
            decided = (name, below)
        if len(memo) < _MEMO_SIZE:
            memo[key] = decided
        return decided


#: The keys that name the value of a `{name: …, value: …}` pair.
_PAIR_NAMES = ("name", "key", "Name", "Key")
#: `NAME=value` as a whole string (a compose `environment:` item, a JVM `-Dname=value`).
_ASSIGNMENT = Lazy(r"(?:-D)?([A-Za-z_][A-Za-z0-9_.-]*)=(.+)", re.DOTALL)
#: A value that only refers to a variable (`$DB_PASSWORD`, `${DB_PASSWORD}`, `${DB_PASSWORD:-x}`, as
#: the detectors' reference): the name is shown. Any other value starting with `$` (`$"`, `$1x`) is one.
_VARIABLE = Lazy(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[^}]*\})")


def assigns_a_secret(text: str, keeper: SecretKeeper) -> bool:
    """Whether `text` is `NAME=value` with a secret-looking NAME (what `_assigned` fingerprints)."""
    match = _ASSIGNMENT.fullmatch(text)
    return match is not None and keeper.is_secret_name(match[1])


def _assigned(text: str, keeper: SecretKeeper) -> str | None:
    """`NAME=value` with a secret-looking NAME, its value fingerprinted (None for any other text, a
    reference such as `${VAR}` or `$VAR` (and nothing more), a fingerprint, or policy such as
    `TOKEN_TTL=30`)."""
    match = _ASSIGNMENT.fullmatch(text)
    if match is None or not keeper.is_secret_name(match[1]):
        return None
    value = match[2]
    if _VARIABLE.fullmatch(value) or FINGERPRINT_RE.fullmatch(value) or is_policy(match[1], value):
        return None
    # the name is searched like any text (a token may be glued to it), the value fingerprinted whole
    return str(keeper.protect_value(text[:match.start(2)])) + keeper.fingerprint(value)


def _literal(match: re.Match[str], keeper: SecretKeeper) -> str:
    """A quoted literal below a secret-looking name, its content fingerprinted (unless it is one)."""
    content = match.group(1)
    return match.group(0) if FINGERPRINT_RE.fullmatch(content) else f"'{keeper.fingerprint(content)}'"


class _Marked:
    """A subtree `protect_subtree` made: the keeper, the walk's state at its root, the depth checked."""

    keeper: SecretKeeper
    state: int
    depth: int
    plain: bool


class _ProtectedDict(dict[str, Any], _Marked):
    pass


class _ProtectedList(list[Any], _Marked):
    pass


def protect(tree: Any, keeper: SecretKeeper | None, max_depth: int = MAX_DEPTH) -> Any:
    """A JSON-native copy of `tree` (str keys, lists, finite numbers, ISO dates) with every secret
    replaced by its keyed fingerprint; with no `keeper`, only the JSON-native copy.

    Raises `TreeTooDeep` for data nested deeper than `max_depth`.
    """
    return _Walk(keeper, max_depth).value(tree, 0, 0)


def protect_checked(tree: Any, keeper: SecretKeeper | None, max_depth: int = MAX_DEPTH) -> tuple[Any, bool]:
    """`protect(tree, keeper, max_depth)`, and whether the copy holds only exact JSON types (str keys)
    and finite floats that every JSON writer writes alike (none below 1e-4 or from 1e16 on)."""
    walk = _Walk(keeper, max_depth)
    out = walk.value(tree, 0, 0)
    return out, walk.plain


def _state_at(segments: Sequence[str], walk: _Walk) -> tuple[tuple[str, ...], int]:
    protected: list[str] = []
    state = 0
    for segment in segments:
        name, state = walk.key(segment, state)
        protected.append(name)
    return tuple(protected), state


def protect_path(segments: Sequence[str], keeper: SecretKeeper) -> tuple[str, ...]:
    """Path segments (keys from the probe's root down) protected exactly as `protect` protects
    the same keys in the data, so that a gap's segments still name the data's path."""
    return _state_at(segments, _Walk(keeper, MAX_DEPTH))[0]


def key_as_shown(key: str, keeper: SecretKeeper) -> str:
    """A key for a message that does not say where the key sits (e.g. "duplicate key 'x'"): protected
    as `protect` protects it below a secret-looking name, where a random-looking key, or a quoted
    literal in one, is fingerprinted whole, so that a message never shows more than the data."""
    protected: dict[str, None] = _Walk(keeper, MAX_DEPTH).value({key: None}, 0, SECRET)
    return next(iter(protected))
