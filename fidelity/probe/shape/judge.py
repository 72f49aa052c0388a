"""Judge differences between two data-shape fingerprints (paths below `data/<schema>/<table>/`).

Each measure has a distance and default thresholds, overridable per path with a rule of
`action = "tolerance"`. A distance within tolerance, or within sampling noise, is no
finding (the assessment has no severity and the value counts as matching).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fidelity.probe import Assessment, Category, Change, DiffChange, Severity, Tolerance, paths
from fidelity.probe.distance import (
    NOISE_SIGMAS,
    fraction_distance,
    js_distance,
    js_divergence,
    orders_apart,
    relative_difference,
)
from fidelity.probe.shape.keypaths import JSON_DOCUMENTS, RARE_KEY
from fidelity.probe.shape.scale import ROW_LABELS, SIZE_LABELS, order

#: Default thresholds, as documented in docs/probes/postgres-data.md.
HISTOGRAM = Tolerance(low=0.1, medium=0.3)
FRACTION = Tolerance(low=0.05, medium=0.2)
ROWS = Tolerance(low=2, high=3)
SIZE = Tolerance(low=3)
WIDTH = Tolerance(low=0.5)
SPREAD = Tolerance(low=1)
QUANTILES = Tolerance(low=0.1, medium=0.3)
#: A key path absent on one side and present in at least this share of documents on the other.
ABSENT_KEY = Tolerance(medium=0.05)
#: "Often NULL": a column never NULL on one side and NULL this often on the other is medium.
OFTEN_NULL = 0.05
#: ... when the never side would have shown a NULL by this chance at most, were it as often NULL.
NEVER_BY_CHANCE = 1e-4
#: Distinct ratios are compared only when both sides examined within this factor of the same number of
#: rows (the ratio falls as more rows are examined), read the same way, and, for block samples, from
#: within this factor of the same number of blocks: rows of one block are neighbours, which share
#: values in a column that follows insertion order, so a block sample's ratio is biased low.
COMPARABLE_SAMPLES = 1.25
#: Large effects are high (docs/probes/postgres-data.md): a category (a label, a value, a character
#: class, a format, a JSON key) in at least this share of the reference and absent from the candidate;
MOST = 0.5
#: a shift of the median order of magnitude by at least this many orders;
MAGNITUDE_SHIFT = 2
#: an all-NULL or all-empty candidate column where the reference has values, unless chance explains it.
ALL_BY_CHANCE = 1e-4
HISTOGRAMS = {"lengths", "magnitudes", "weekdays", "hours", "labels", "values", "types"}
FRACTIONS = {"null_fraction", "distinct_ratio", "empty_fraction", "negative_fraction", "zero_fraction",
             "integer_fraction", "presence"}
NAMES = {"null_fraction": "null fraction", "distinct_ratio": "distinct ratio", "avg_width": "average width",
         "empty_fraction": "empty-string fraction", "negative_fraction": "negative fraction",
         "zero_fraction": "zero fraction", "integer_fraction": "integer fraction",
         "spread_days": "spread in days",
         "lengths": "length histogram", "magnitudes": "order-of-magnitude histogram",
         "weekdays": "day-of-week histogram", "hours": "hour-of-day histogram", "labels": "label frequencies",
         "values": "value frequencies (keyed fingerprints)", "quantiles": "quantiles"}

Verdict = tuple[Severity | None, str]


class _Sides:
    """Both fingerprints of the table a change is in, and the counts behind them."""

    def __init__(self, change: DiffChange, reference: Any, candidate: Any) -> None:
        self.change = change
        self.schema, self.table = change.segments[1], change.segments[2]
        self.rest = change.segments[3:]
        self.trees = (paths.lookup(reference, ("data", self.schema, self.table)) or {},
                      paths.lookup(candidate, ("data", self.schema, self.table)) or {})
        self.keys = (paths.lookup(reference, ("data_key",)), paths.lookup(candidate, ("data_key",)))

    def rows(self, which: str = "rows") -> tuple[float, float]:
        """Rows read (`rows`), or rows whose values were examined (`shape_rows`), on each side."""
        a, b = (float(paths.lookup(t, ("sample", which)) or 0) for t in self.trees)
        return a, b

    def effective(self, counts: tuple[float, float], statistics: bool = False) -> tuple[float, float]:
        """Sample sizes as independent draws: rows of a block sample come in blocks of alike rows
        (a column that follows insertion order), so no more draws than blocks are counted; ANALYZE's
        rows (`statistics`) are spread over as many blocks as rows."""
        out = []
        for n, tree in zip(counts, self.trees, strict=True):
            blocks = paths.lookup(tree, ("sample", "blocks"))
            if blocks and not (statistics and paths.lookup(tree, ("sample", "statistics"))):
                n = min(n, float(blocks))
            out.append(n)
        return out[0], out[1]

    def nonnull(self, col: str) -> tuple[float, float]:
        """Non-null values examined on each side: the sample size behind a value-shape measure."""
        return self.effective(tuple(  # type: ignore[arg-type]
            n * (1 - float(paths.lookup(t, ("columns", col, "null_fraction")) or 0.0))
            for n, t in zip(self.rows("shape_rows"), self.trees, strict=True)))

    def documents(self, col: str, path: str | None = None) -> tuple[float, float]:
        """JSON documents walked on each side (or those that have `path`), as independent draws."""
        docs = [min(n, JSON_DOCUMENTS) for n in self.nonnull(col)]
        if path is None:
            return docs[0], docs[1]
        shares = [float(paths.lookup(t, ("columns", col, "keys", path, "presence")) or 0.0)
                  for t in self.trees]
        return docs[0] * shares[0], docs[1] * shares[1]

    def design(self) -> str | None:
        """Why the two samples' distinct ratios estimate different quantities, or None when they are alike:
        both tables read whole, or both sampled from a similar number of blocks (or key ranges)."""
        methods = [paths.lookup(t, ("sample", "method")) for t in self.trees]
        if methods[0] != methods[1]:
            return f"{methods[0]} against {methods[1]}: neighbouring rows of a block sample share values"
        blocks = [float(paths.lookup(t, ("sample", "blocks")) or 0) for t in self.trees]
        if methods[0] != "whole table" and (min(blocks) <= 0
                                             or max(blocks) / min(blocks) > COMPARABLE_SAMPLES):
            return f"block samples of {blocks[0]:.0f} and {blocks[1]:.0f} blocks"
        return None

    def tolerance(self, default: Tolerance) -> Tolerance:
        return self.change.tolerance.over(default) if self.change.tolerance else default


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity (None when within tolerance) and message for a change below `data/`."""
    if change.segments[0] == "data_key" or len(change.segments) < 3:
        return Assessment(None, Category.DATA, "fingerprint key differs (value labels compared by shape)")
    sides = _Sides(change, reference, candidate)
    where = f"table {sides.schema}.{sides.table}"
    severity, message = _judge(sides, where)
    return Assessment(severity, Category.DATA, message)


def _judge(sides: _Sides, where: str) -> Verdict:
    change, rest = sides.change, sides.rest
    if not rest:
        side = "reference" if change.change is Change.MISSING else "candidate"
        return Severity.INFO, (f"{where}: data fingerprint only in the {side} "
                               "(missing, excluded or unreadable)")
    if rest == ("rows",):
        counts = [paths.lookup(t, ("row_count",)) for t in sides.trees]
        if all(isinstance(c, (int, float)) for c in counts):
            a, b = float(counts[0]), float(counts[1])
            apart = orders_apart(a, b)
            big, small = max(a, b), min(a, b)
            more, fewer = ("reference", "candidate") if a >= b else ("candidate", "reference")
            ratio = f"the {more} has {big / small:,.0f}× as many" if small >= 1 else f"the {fewer} has none"
            return (sides.tolerance(ROWS).severity(apart),
                    f"{where}: about {a:,.0f} rows in the reference, {b:,.0f} in the candidate "
                    f"({ratio}: {apart:.1f} orders of magnitude)")
    if rest == ("rows",) or rest == ("size",):
        labels, tolerance = (ROW_LABELS, ROWS) if rest == ("rows",) else (SIZE_LABELS, SIZE)
        apart = abs(order(str(change.reference), labels) - order(str(change.candidate), labels))
        noun = "rows" if rest == ("rows",) else "in size"
        return (sides.tolerance(tolerance).severity(apart),
                f"{where}: {change.reference} {noun} in the reference, {change.candidate} in the candidate "
                f"({apart} order(s) of magnitude apart)")
    if rest == ("row_count",):
        return None, f"{where}: row count differs (judged as `rows`)"
    if rest[0] != "columns" or len(rest) < 2:
        return None, f"{where}: {'/'.join(rest)} differs (how the table was read)"
    column = rest[1]
    what = f"column {sides.schema}.{sides.table}.{column}"
    if len(rest) == 2:
        side = "reference" if change.change is Change.MISSING else "candidate"
        return Severity.INFO, f"{what}: data fingerprint only in the {side}"
    return _measure(sides, column, rest[2:], what)


def _measure(sides: _Sides, col: str, field: tuple[str, ...], what: str) -> Verdict:
    change = sides.change
    name = field[0]
    if name == "keys" and len(field) == 2:
        return _key_path(sides, col, field[1], what)
    if change.change is not Change.CHANGED or name in ("kind", "width_spread"):
        # A measure only one side has: the column is all NULL there, opted into quantiles, or of
        # another type; the null fraction and the schema report those.
        return None, f"{what}: {'/'.join(field)} measured on one side only"
    a, b = change.reference, change.candidate
    if name == "keys":  # keys/<path>/presence or keys/<path>/types
        path = field[1]
        n = sides.documents(col) if field[2] == "presence" else sides.documents(col, path)
        label = f"JSON key path {path}: " + ("presence" if field[2] == "presence" else "value types")
        if field[2] == "presence":
            return _fraction(sides, a, b, n, f"{what}: {label}")
        return _histogram(sides, a, b, n, f"{what}: {label}")
    label = (NAMES.get(name, name) if len(field) == 1
             else f"{field[-1].replace('_', '-')} {name[:-1]} fraction")
    if name == "null_fraction":
        return _nulls(sides, a, b, f"{what}: {label}")
    if name == "distinct_ratio":
        rows = sides.rows("shape_rows")
        if min(rows) <= 0 or max(rows) / min(rows) > COMPARABLE_SAMPLES:
            return None, (f"{what}: distinct ratio not compared "
                          f"(values of {rows[0]:.0f} and {rows[1]:.0f} rows examined)")
        design = sides.design()
        if design is not None:
            return None, f"{what}: distinct ratio not compared ({design})"
        return _fraction(sides, a, b, sides.nonnull(col), f"{what}: {label}")
    if name in ("chars", "formats"):
        severity, message = _fraction(sides, a, b, sides.nonnull(col), f"{what}: {label}")
        return _absent(sides, severity, message, float(a), float(b),
                       f"{what}: {label} {a} → {b}: in most reference values, in no candidate value")
    if name == "empty_fraction":
        verdict = _fraction(sides, a, b, sides.nonnull(col), f"{what}: {label}")
        examined = sides.nonnull(col)[1]
        if sides.change.tolerance is None and float(b) == 1.0 and float(a) < 1.0 \
                and float(a) ** examined < ALL_BY_CHANCE:
            return Severity.HIGH, f"{what}: {label} {a} → {b}: empty in every candidate row"
        return verdict
    if name in FRACTIONS:
        return _fraction(sides, a, b, sides.nonnull(col), f"{what}: {label}")
    if name in HISTOGRAMS:
        by_shape = name == "values" and sides.keys[0] != sides.keys[1]
        severity, message = _histogram(sides, a, b, sides.nonnull(col), f"{what}: {label}", by_shape=by_shape)
        if severity is None or sides.change.tolerance is not None:
            return severity, message
        if name == "magnitudes":
            shift = _median_order(b) - _median_order(a)
            if abs(shift) >= MAGNITUDE_SHIFT:
                return Severity.HIGH, f"{message}; the median moved by {shift:+d} orders of magnitude"
        elif not by_shape and name in ("labels", "values"):
            ref, cand = _as_mapping(a, False), _as_mapping(b, False)
            lost = [k for k, v in ref.items() if v >= MOST and not cand.get(k)]
            if lost:
                return Severity.HIGH, (f"{message}; a category of {ref[lost[0]]:.0%} of the reference is "
                                       "absent from the candidate")
        return severity, message
    if name == "avg_width":
        return _width(sides, col, float(a), float(b), f"{what}: {label}")
    if name == "spread_days":
        d = orders_apart(float(a or 0), float(b or 0))
        return sides.tolerance(SPREAD).severity(d), f"{what}: {label} {a} → {b} ({d:.1f} orders of magnitude)"
    if name == "quantiles":
        d = _quantile_distance(a, b)
        return (sides.tolerance(QUANTILES).severity(d),
                f"{what}: quantiles moved by {d:.2f} of the reference range")
    return Severity.LOW, f"{what}: {'/'.join(field)} {a} → {b}"


def _width(sides: _Sides, col: str, a: float, b: float, label: str) -> Verdict:
    """Relative difference of average widths, once it exceeds four standard errors of the means
    (a few huge values among small ones make a mean wobble)."""
    spreads = [float(paths.lookup(t, ("columns", col, "width_spread")) or 0.0) for t in sides.trees]
    variance = sum(s * s / n for s, n in zip(spreads, sides.nonnull(col), strict=True) if n > 0)
    d = relative_difference(a, b) if abs(a - b) > NOISE_SIGMAS * math.sqrt(variance) else 0.0
    return sides.tolerance(WIDTH).severity(d), f"{label} {a} → {b} bytes"


def _fraction(sides: _Sides, a: Any, b: Any, n: tuple[float, float], label: str) -> Verdict:
    d = fraction_distance(float(a), float(b), *n)
    return sides.tolerance(FRACTION).severity(d), f"{label} {a} → {b} (differs by {abs(a - b):.2f})"


def _nulls(sides: _Sides, a: float, b: float, label: str) -> Verdict:
    """Null fractions; a column never NULL on one side and often NULL on the other is medium once
    chance is ruled out: `often` would have shown at least once in the never side's draws."""
    counts = sides.effective(sides.rows(), statistics=True)
    severity, message = _fraction(sides, a, b, counts, label)
    if sides.change.tolerance is None and b == 1.0 and a < 1.0 and a ** counts[1] < ALL_BY_CHANCE:
        return Severity.HIGH, f"{label} {a} → {b}: NULL in every candidate row; the reference has values"
    often, zero_side = max(a, b), (0 if a == 0 else 1)
    if sides.change.tolerance is None and min(a, b) == 0 and often >= OFTEN_NULL:
        chance = (1 - often) ** counts[zero_side]  # no NULL in any draw of the never side
        if severity is not None or (chance < NEVER_BY_CHANCE and counts[1 - zero_side] * often >= 5):
            never = "reference" if a == 0 else "candidate"
            return Severity.MEDIUM, f"{label} {a} → {b}: never NULL in the {never}, often NULL in the other"
    return severity, message


def _histogram(sides: _Sides, a: Any, b: Any, n: tuple[float, float], label: str,
               by_shape: bool = False) -> Verdict:
    p, q = _as_mapping(a, by_shape), _as_mapping(b, by_shape)
    d = js_distance(p, q, *n)
    shape = " (labels compared by rank: the snapshots used different keys)" if by_shape else ""
    return (sides.tolerance(HISTOGRAM).severity(d),
            f"{label}: Jensen–Shannon distance {math.sqrt(js_divergence(p, q)):.2f}{shape}")


def _as_mapping(pairs: Any, by_shape: bool) -> dict[str, float]:
    items = [(str(k), float(v)) for k, v in pairs or []]
    if by_shape:
        items = [(str(i), v) for i, (_, v) in enumerate(sorted(items, key=lambda kv: -kv[1]))]
    return dict(items)


def _key_path(sides: _Sides, col: str, path: str, what: str) -> Verdict:
    change = sides.change
    present = change.reference if change.change is Change.MISSING else change.candidate
    share = float(paths.lookup(present, ("presence",)) or 0.0)
    missing = change.change is Change.MISSING
    docs, other_docs = sides.documents(col)[::1 if missing else -1]
    noise = NOISE_SIGMAS * math.sqrt(share * (1 - share) / docs) if docs else math.inf
    # On the side without it, the key would have to show in enough documents not to be folded as rare.
    expected = share * other_docs - NOISE_SIGMAS * math.sqrt(other_docs * share * (1 - share))
    seen = share > noise and expected >= max(2.0, RARE_KEY * other_docs)
    severity = sides.tolerance(ABSENT_KEY).severity(share) if seen else None
    if seen and missing and share >= MOST and change.tolerance is None:
        severity = Severity.HIGH
    side, other = ("reference", "candidate") if missing else ("candidate", "reference")
    return severity, (f"{what}: JSON key path {path} is in {share:.0%} of the {side}'s documents "
                      f"and absent from the {other}'s")


def _absent(sides: _Sides, severity: Severity | None, message: str, a: float, b: float,
            high: str) -> Verdict:
    """A share beyond noise that is at least MOST in the reference and 0 in the candidate is high."""
    if severity is not None and sides.change.tolerance is None and a >= MOST and b == 0:
        return Severity.HIGH, high
    return severity, message


def _median_order(pairs: Any) -> int:
    """The order of magnitude (`1e<k>` labels) below which half of the values lie."""
    total, seen = sum(float(v) for _, v in pairs or []), 0.0
    for key, share in sorted(((int(str(k)[2:]), float(v)) for k, v in pairs or [])):
        seen += share
        if seen >= total / 2:
            return key
    return 0


def _quantile_distance(a: Any, b: Any) -> float:
    """The largest move of a quantile, as a share of the reference's spread between its quantiles."""
    xs, ys = [_number(v) for v in a or []], [_number(v) for v in b or []]
    if len(xs) != len(ys) or not xs:
        return 1.0
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if math.isfinite(x) and math.isfinite(y)]
    if not pairs:
        return 0.0
    finite = [x for x, _ in pairs]
    scale = max(max(finite) - min(finite), max(abs(x) for x in finite) * 1e-9, 1e-12)
    return min(1.0, max(abs(x - y) for x, y in pairs) / scale)


def _number(value: Any) -> float:
    """A quantile as a number: dates and timestamps as epoch seconds, times of day as seconds."""
    if value is None:
        return math.nan
    if not isinstance(value, str):
        return float(value)
    try:
        return dt.datetime.fromisoformat(value).timestamp()
    except ValueError:
        clock = dt.time.fromisoformat(value)
        return clock.hour * 3600 + clock.minute * 60 + clock.second + clock.microsecond / 1e6
