"""Turn the one-row result of a fingerprint query into the `data` part of a snapshot.

Everything stored is an aggregate: fractions rounded to four places, histograms as
lists of `[label, fraction]` (so that the diff engine compares each as one value and
the probe measures the distance), counts as order-of-magnitude labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from probes.pg.data_sql import JSON_TYPES, LENGTH_BOUNDS, TEXT_CLASSES, TEXT_FORMATS, Column, Kind

Node = dict[str, Any]
Histogram = list[list[Any]]
#: A JSON key in fewer documents than this fraction (or in just one) is folded into `<key>`.
RARE_KEY = 0.01
#: Key paths kept per JSON column after folding, the most frequent first.
MAX_KEY_PATHS = 200
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SEPARATOR = "\x1f"
FOLDED = "<key>"
ROW_LABELS = ("1+", "10+", "100+", "1k+", "10k+", "100k+", "1M+", "10M+", "100M+", "1G+", "10G+", "100G+")
SIZE_LABELS = ("1 B+", "10 B+", "100 B+", "1 kB+", "10 kB+", "100 kB+", "1 MB+", "10 MB+", "100 MB+",
               "1 GB+", "10 GB+", "100 GB+", "1 TB+", "10 TB+", "100 TB+")


def magnitude(count: float, labels: Sequence[str]) -> str:
    """The order-of-magnitude label of a count: "0", "1+", "10+", ..."""
    if count < 1:
        return "0"
    return labels[min(len(labels) - 1, math.floor(math.log10(count) + 1e-9))]


def order(label: str, labels: Sequence[str]) -> int:
    """The order of magnitude a label stands for (-1 for "0")."""
    return labels.index(label) if label in labels else -1


def fraction(part: float, whole: float) -> float:
    """part/whole rounded to four places (0 when there is no whole)."""
    return round(part / whole, 4) if whole else 0.0


def round2(count: float) -> int:
    """A count rounded to two significant digits."""
    if count < 100:
        return int(count)
    digits = math.floor(math.log10(count)) - 1
    return int(round(count, -digits))


def histogram(counts: Mapping[str, float] | None, label: Any) -> Histogram:
    """`{bucket: count}` as `[[label, fraction], ...]` in bucket order."""
    if not counts:
        return []
    total = sum(counts.values())
    items = sorted(counts.items(), key=lambda kv: _sort_key(kv[0]))
    return [[label(key), fraction(n, total)] for key, n in items]


def _sort_key(key: str) -> tuple[int, float | str]:
    try:
        return 0, float(key)
    except ValueError:
        return 1, key


def _length_label(bucket: str) -> str:
    i = int(bucket)
    if i == 0:
        return "0"
    if i >= len(LENGTH_BOUNDS):
        return f"{LENGTH_BOUNDS[-1]}+"
    low, high = LENGTH_BOUNDS[i - 1], LENGTH_BOUNDS[i] - 1
    return str(low) if low == high else f"{low}-{high}"


def column(col: Column, row: Mapping[str, Any], i: int, stats: Sequence[float] | None) -> Node:
    """The fingerprint of column `i` of a query result (see `data_sql.build` for its layout);
    `stats` is `(null_frac, avg_width)` from pg_stats when the query did not count them."""
    shape = row[f"e{i}"]
    rows, nonnull = row["n"], shape[0]
    nulls, width = (stats[0], stats[1]) if stats else (1 - row[f"a{i}"][0] / rows, row[f"a{i}"][1])
    node: Node = {"kind": col.kind.value, "null_fraction": round(nulls, 4)}
    if nulls >= 1 or width is None:
        return node
    node["avg_width"] = round(width, 1)
    if not nonnull:  # values only outside the shape subsample: too few to describe
        return node
    distinct, frequencies = row[f"g{i}"]
    node["distinct_ratio"] = fraction(distinct, nonnull)
    extra = shape[1:]
    histo = row.get(f"h{i}")
    if col.kind is Kind.TEXT:
        node["empty_fraction"] = fraction(extra[0], nonnull)
        node["chars"] = {name: fraction(n, nonnull)
                         for name, n in zip((*TEXT_CLASSES, "non_ascii"), extra[1:5], strict=True)}
        node["formats"] = {name: fraction(n, nonnull)
                           for name, n in zip(TEXT_FORMATS, extra[5:], strict=True)}
        node["lengths"] = histogram(histo, _length_label)
    elif col.kind is Kind.NUMBER:
        node["negative_fraction"], node["zero_fraction"], node["integer_fraction"] = (
            fraction(n, nonnull) for n in extra)
        node["magnitudes"] = histogram(histo, lambda k: f"1e{k}")
    elif col.kind is Kind.TIME:
        node["spread_days"] = round2(extra[0]) if extra[0] is not None else None
        node["weekdays"] = histogram(histo, lambda k: WEEKDAYS[int(k) - 1])
    elif col.kind is Kind.CLOCK:
        node["hours"] = histogram(histo, lambda k: f"{int(k):02d}")
    if col.kind in (Kind.BOOL, Kind.ENUM):
        node["labels"] = histogram(frequencies, str)
    elif frequencies:
        node["values"] = histogram(frequencies, str)
    if row.get(f"k{i}"):
        node["keys"] = json_keys(row[f"k{i}"])
    if row.get(f"q{i}") is not None:
        node["quantiles"] = [_quantile(col, q) for q in row[f"q{i}"]]
    return node


def _quantile(col: Column, value: float | None) -> float | str | None:
    if value is None or col.kind is not Kind.TIME or not math.isfinite(value):
        return value
    import datetime as dt

    return dt.datetime.fromtimestamp(value, dt.timezone.utc).isoformat()


def json_keys(result: Mapping[str, Any]) -> Node:
    """Key paths with presence and value-type fractions; rare keys folded into `<key>`."""
    documents = result["documents"]
    counts = {tuple(p.split(SEPARATOR)[1:]): (n, t) for p, n, t in result["paths"]}
    rare = max(2.0, RARE_KEY * documents)
    merged: dict[tuple[str, ...], tuple[int, list[int]]] = {}
    for segments, (n, types) in counts.items():
        folded = tuple(FOLDED if seg != "[]" and counts.get(segments[: i + 1], (0,))[0] < rare else seg
                       for i, seg in enumerate(segments))
        seen, total = merged.get(folded, (0, [0] * len(JSON_TYPES)))
        merged[folded] = (min(documents, seen + n), [a + b for a, b in zip(total, types, strict=True)])
    kept = sorted(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))[:MAX_KEY_PATHS]
    out: Node = {}
    for segments, (n, types) in sorted(kept):
        found = sum(types)
        out[label(segments)] = {
            "presence": fraction(n, documents),
            "types": [[name, fraction(c, found)] for name, c in zip(JSON_TYPES, types, strict=True) if c],
        }
    return out


def label(segments: Sequence[str]) -> str:
    """A key path as text: `$` for the document, `a.b[].c` below it."""
    text = ""
    for seg in segments:
        text += seg if seg == "[]" else (f".{seg}" if text else seg)
    return text or "$"
