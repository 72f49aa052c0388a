"""Key names folded into key patterns: `session:<id>`, `cart:<uuid>:items`. No key name is ever copied.

A key is split at `:`, `/` and `|` into segments. A segment is shown as itself only when it can
be shown to be a constant of the application, not data:

1. it looks like a word: an ASCII letter, then up to 39 letters, digits, `_`, `-` or `.`; and
2. among the sampled keys that share the folded segments before it, at least `MIN_KEYS` keys and
   at least `MIN_SHARE` of them have it in this place.

Every other segment is folded: into its class when it has one (`<id>` digits, `<uuid>`, `<date>`,
`<number>`, `<email>`, `<hash>` long hex, `<token>` long random-looking text), else into `<value>`.
So `user:alice:cart` stays `user:<value>:cart` unless `alice` starts a large share of the user keys,
and a name in binary bytes, unicode, markup or of one unique key is never shown. Keys past
`MAX_SEGMENTS` segments end in `<rest>`; more than `MAX_PATTERNS` patterns keep the most common ones
and count the others as `<other>`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

#: A literal segment must start at least this many sampled keys ...
MIN_KEYS = 10
#: ... and at least this share of the keys that share its folded prefix.
MIN_SHARE = 0.01
MAX_SEGMENTS = 12
MAX_PATTERNS = 100
OTHER = "<other>"
SEPARATORS = re.compile(r"([:/|])")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,39}")
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
    literals: Counter[str] = Counter()
    for toks, weight in group:
        if toks[place] and not toks[place].startswith("<"):
            literals[toks[place]] += weight
    floor = max(MIN_KEYS, MIN_SHARE * sum(weight for _, weight in group))
    subgroups: dict[tuple[str, str], list[tuple[Tokens, int]]] = {}
    for toks, weight in group:
        segment = toks[place]
        if segment in literals and literals[segment] < floor:
            segment = "<value>"
        separator = toks[place + 1] if place + 1 < len(toks) else END
        subgroups.setdefault((segment, separator), []).append((toks, weight))
    for (segment, separator), members in subgroups.items():
        if separator == END:
            for toks, _ in members:
                out[toks] = prefix + segment
        else:
            _walk(members, depth + 1, prefix + segment + separator, out)


def shares(patterns: Iterable[str]) -> Counter[str]:
    """Keys per pattern, the rarest beyond MAX_PATTERNS counted as `<other>`."""
    counts = Counter(patterns)
    if len(counts) <= MAX_PATTERNS:
        return counts
    kept = Counter(dict(counts.most_common(MAX_PATTERNS - 1)))
    kept[OTHER] = sum(counts.values()) - sum(kept.values())
    return kept
