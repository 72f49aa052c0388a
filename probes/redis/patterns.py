"""Key names folded into key patterns: `session:<id>`, `cart:<uuid>:items`. No key name is ever copied.

A key is split at `:`, `/` and `|` into segments. A segment is shown as itself only when it can
be shown to be a constant of the application, not data:

1. it looks like a word: an ASCII letter, then up to 39 letters, `_` or `-`. A segment with a digit,
   a `.` or an `@` (`u42`, `john.smith`, `db1.example.com`, `ann@x`) looks like a person, host or
   account, and is never shown, however frequent;
2. its place holds a small, fixed vocabulary, not data. A place is the segment's index among the
   keys that share the folded segments before it. It holds data (it is *open*) when either
   - more than `MAX_VOCABULARY` different words stand there, and more than one per 100 keys
     (`MIN_SHARE`): a vocabulary that grows with the keys is names, not constants; or
   - at least `VALUE_SHARE` of the keys have there a value (an id, uuid, ... or anything not a
     word) or a word too rare to be shown: a word next to ids is one more id (`user:<id>` and
     `user:john:...`).
   Every segment in an open place folds, frequent or not;
3. among the keys of its place, at least `MIN_KEYS` keys and at least `MIN_SHARE` of them have it.

Every other segment is folded: into its class when it has one (`<id>` digits, `<uuid>`, `<date>`,
`<number>`, `<email>`, `<hash>` long hex, `<token>` long random-looking text), else into `<value>`.
So `user:alice:cart` is `user:<value>:cart` when the place after `user:` holds ids or many names,
and a name in binary bytes, unicode, markup or of one unique key is never shown. Keys past
`MAX_SEGMENTS` segments end in `<rest>`; more than `MAX_PATTERNS` patterns keep the most common ones
and count the others as `<other>`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

#: A literal segment must start at least this many sampled keys ...
MIN_KEYS = 10
#: ... and at least this share of the keys that share its folded prefix.
MIN_SHARE = 0.01
#: A place with more different words than this (and more than MIN_SHARE of its keys) holds names: an
#: application's constants at one place of its keys are a handful (the kinds of things kept under a
#: prefix), while names and ids grow with the data.
MAX_VOCABULARY = 16
#: A place where at least this share of the keys hold a value or a rare word holds data: one key in
#: five carrying an id is not a place of constants (a keyspace's stray unnamed keys, a few percent,
#: leave its prefixes shown).
VALUE_SHARE = 0.2
MAX_SEGMENTS = 12
MAX_PATTERNS = 100
OTHER = "<other>"
SEPARATORS = re.compile(r"([:/|])")
#: Letters, `_` and `-` only: a digit, `.` or `@` makes a person, host or account name (`u42`,
#: `john.smith`, `db1.example.com`), never shown however frequent.
WORD = re.compile(r"[A-Za-z][A-Za-z_\-]{0,39}")
#: Value classes, first match wins; each must match the whole segment.
CLASSES = (
    ("id", r"\d+"),
    ("uuid", r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
    ("date", r"\d{4}-\d{2}-\d{2}([T ]\d{2}[:.]?\d{2}([:.]?\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?"),
    ("number", r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?"),
    ("email", r"[^@\s]+@[^@\s]+\.[^@\s]+"),
    ("hash", r"(0x)?[0-9a-fA-F]{12,}"),
    ("token", r"(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+=~.]{16,}"),
)
#: One pass over a segment: the first alternative that matches all of it names its class.
CLASS = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in CLASSES), re.ASCII)
END = "\x00end"
Tokens = tuple[str, ...]


def classify(segment: str) -> str:
    """A segment as a literal (a word), a class (`<id>`, ...), `""` (empty) or `<value>`."""
    if not segment:
        return ""
    if segment.isascii() and segment.isdigit():  # the most common value by far
        return "<id>"
    found = CLASS.fullmatch(segment)
    if found:
        return f"<{found.lastgroup}>"
    return segment if WORD.fullmatch(segment) else "<value>"


def tokens(key: bytes) -> Tokens:
    """A key as (segment, separator, segment, ...), segments classified; bytes that are not UTF-8
    never match a word or a class, so they fold to `<value>`."""
    parts = SEPARATORS.split(key.decode("utf-8", "replace"))
    rest = len(parts) > 2 * MAX_SEGMENTS - 1
    if rest:  # keep MAX_SEGMENTS - 1 segments and their separators, then one `<rest>`
        parts = parts[:2 * MAX_SEGMENTS - 2]
    parts[::2] = [classify(p) for p in parts[::2]]
    return (*parts, "<rest>") if rest else tuple(parts)


def fold(keys: Iterable[bytes]) -> dict[bytes, str]:
    """The pattern of each distinct key."""
    of_key = {key: tokens(key) for key in keys}
    weights = Counter(of_key.values())  # keys of one shape are folded once
    found: dict[Tokens, str] = {}
    _walk(list(weights.items()), 0, "", found)
    return {key: found[toks] for key, toks in of_key.items()}


def _walk(group: list[tuple[Tokens, int]], depth: int, prefix: str, out: dict[Tokens, str]) -> None:
    """Fold the segment at `depth` of keys that share the folded `prefix`, then go on below each."""
    place = 2 * depth
    words: Counter[str] = Counter()
    total = values = 0
    for toks, weight in group:
        total += weight
        if toks[place].startswith("<"):
            values += weight
        elif toks[place]:
            words[toks[place]] += weight
    kept = _constants(words, values, total)
    subgroups: dict[tuple[str, str], list[tuple[Tokens, int]]] = {}
    for toks, weight in group:
        segment = toks[place]
        if segment in words and segment not in kept:
            segment = "<value>"
        separator = toks[place + 1] if place + 1 < len(toks) else END
        subgroups.setdefault((segment, separator), []).append((toks, weight))
    for (segment, separator), members in subgroups.items():
        if separator == END:
            for toks, _ in members:
                out[toks] = prefix + segment
        else:
            _walk(members, depth + 1, prefix + segment + separator, out)


def _constants(words: Counter[str], values: int, total: int) -> set[str]:
    """The words of one place shown as themselves: none when the place is open (holds data), else
    those on at least MIN_KEYS keys and MIN_SHARE of the place's `total` keys."""
    floor = max(MIN_KEYS, MIN_SHARE * total)
    frequent = {word for word, count in words.items() if count >= floor}
    rare = sum(count for word, count in words.items() if word not in frequent)
    if len(words) > MAX_VOCABULARY and len(words) > MIN_SHARE * total:
        return set()  # many different names: the vocabulary grows with the keys
    if values + rare >= VALUE_SHARE * total:
        return set()  # ids and one-off names stand here: so is any word beside them
    return frequent


def shares(patterns: Iterable[str]) -> Counter[str]:
    """Keys per pattern, the rarest beyond MAX_PATTERNS counted as `<other>`."""
    return Counter(capped(Counter(patterns)))


def capped(counts: Mapping[str, float]) -> dict[str, float]:
    """Counts (or weights) per pattern, the smallest beyond MAX_PATTERNS summed as `<other>`."""
    if len(counts) <= MAX_PATTERNS:
        return dict(counts)
    ranked = sorted(counts.items(), key=lambda item: item[1], reverse=True)  # stable: first seen first
    kept = dict(ranked[:MAX_PATTERNS - 1])
    kept[OTHER] = sum(count for _, count in ranked[MAX_PATTERNS - 1:])
    return kept
