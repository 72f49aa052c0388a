"""Turn the one-row result of a fingerprint query into the `data` part of a snapshot.

The row's layout is the postgres probe's (`probes.postgres.data.query.build`); other probes
assemble the same row from their own queries, so every fingerprint node is built here once.

Everything stored is an aggregate: fractions rounded to four places, histograms as
lists of `[label, fraction]` (so that the diff engine compares each as one value and
the probe measures the distance), counts as order-of-magnitude labels.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fidelity.probe.shape.keypaths import json_keys
from fidelity.probe.shape.measures import LENGTH_BOUNDS, TEXT_CLASSES, TEXT_FORMATS, Column, Kind
from fidelity.probe.shape.scale import fraction, round2

Node = dict[str, Any]
Histogram = list[list[Any]]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
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


def length_label(bucket: str) -> str:
    """The label of a text-length bucket (`width_bucket` index): "0", "1", "2-3", ..., "2048+"."""
    i = int(bucket)
    if i == 0:
        return "0"
    if i >= len(LENGTH_BOUNDS):
        return f"{LENGTH_BOUNDS[-1]}+"
    low, high = LENGTH_BOUNDS[i - 1], LENGTH_BOUNDS[i] - 1
    return str(low) if low == high else f"{low}-{high}"


def column(col: Column, row: Mapping[str, Any], i: int, null_frac: float | None) -> Node:
    """The fingerprint of column `i` of a query result (see `query.build` for its layout);
    `null_frac` comes from pg_stats when the query did not count NULLs."""
    shape = row[f"e{i}"]
    nonnull, width, spread = shape[0], shape[1], shape[2]
    nulls = null_frac if null_frac is not None else 1 - row[f"a{i}"][0] / row["n"]
    node: Node = {"kind": col.kind.value, "null_fraction": round(nulls, 4)}
    if not nonnull:  # all NULL, or values only outside the shape subsample: too few to describe
        return node
    node["avg_width"] = round(width, 1)
    node["width_spread"] = round(spread or 0.0, 1)  # standard deviation: the noise guard of avg_width
    distinct, frequencies = row[f"g{i}"]
    node["distinct_ratio"] = fraction(distinct, nonnull)
    extra = shape[3:]
    histo = row.get(f"h{i}")
    if col.kind is Kind.TEXT:
        node["empty_fraction"] = fraction(extra[0], nonnull)
        classes = (*TEXT_CLASSES, "non_ascii")
        node["chars"] = {name: fraction(n, nonnull)
                         for name, n in zip(classes, extra[1:1 + len(classes)], strict=True)}
        node["formats"] = {name: fraction(n, nonnull)
                           for name, n in zip(TEXT_FORMATS, extra[1 + len(classes):], strict=True)}
        node["lengths"] = histogram(histo, length_label)
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
        node["quantiles"] = [_quantile(q) for q in row[f"q{i}"]]
    return node


def _quantile(value: Any) -> float | str | None:
    """A quantile as JSON: numbers as floats (None beyond float range), dates and times as ISO 8601."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    number = float(value)
    return number if math.isfinite(number) else None
