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
    ("<id>", re.compile(r"\d+")),
    ("<uuid>", re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")),
    ("<date>", re.compile(r"\d{4}-\d{2}-\d{2}"
                          r"([T ]\d{2}[:.]?\d{2}([:.]?\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?")),
    ("<number>", re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")),
    ("<email>", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    ("<hash>", re.compile(r"(0x)?[0-9a-fA-F]{12,}")),
    ("<token>", re.compile(r"(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-+=~.]{16,}")),
)
END = "\x00end"


def classify(segment: str) -> str:
    """A segment as a literal (a word), a class (`<id>`, ...), `""` (empty) or `<value>`."""
    if not segment:
        return ""
    for name, pattern in CLASSES:
        if pattern.fullmatch(segment):
            return name
    return segment if WORD.fullmatch(segment) else "<value>"


def tokens(key: bytes) -> list[str]:
    """A key as [segment, separator, segment, ...], segments classified; bytes that are not UTF-8
    never match a word or a class, so they fold to `<value>`."""
    parts = SEPARATORS.split(key.decode("utf-8", "replace"))
    rest = len(parts) > 2 * MAX_SEGMENTS - 1
    if rest:  # keep MAX_SEGMENTS - 1 segments and their separators, then one `<rest>`
        parts = parts[:2 * MAX_SEGMENTS - 2]
    folded = [classify(p) if i % 2 == 0 else p for i, p in enumerate(parts)]
    return [*folded, "<rest>"] if rest else folded


def fold(keys: Iterable[bytes]) -> dict[bytes, str]:
    """The pattern of each distinct key."""
    distinct = list(dict.fromkeys(keys))
    found: dict[bytes, str] = {}
    _walk([(key, tokens(key)) for key in distinct], 0, "", found)
    return found


def _walk(group: list[tuple[bytes, list[str]]], depth: int, prefix: str, out: dict[bytes, str]) -> None:
    """Fold the segment at `depth` of keys that share the folded `prefix`, then go on below each."""
    place = 2 * depth
    literals = Counter(t[place] for _, t in group if not t[place].startswith("<") and t[place])
    floor = max(MIN_KEYS, MIN_SHARE * len(group))
    subgroups: dict[tuple[str, str], list[tuple[bytes, list[str]]]] = {}
    for key, toks in group:
        segment = toks[place]
        if segment and not segment.startswith("<") and literals[segment] < floor:
            segment = "<value>"
        separator = toks[place + 1] if place + 1 < len(toks) else END
        subgroups.setdefault((segment, separator), []).append((key, toks))
    for (segment, separator), members in subgroups.items():
        if separator == END:
            for key, _ in members:
                out[key] = prefix + segment
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
