"""Judge differences between two keyspace fingerprints (paths below `keyspace/<slot>/`).

The same distances and noise guards as the database data shape (`fidelity.probe.distance`): a
difference no larger than what sampling alone produces is no finding, and each measure's
thresholds can be overridden per path with a rule of `action = "tolerance"`.
"""

from __future__ import annotations

import math
from typing import Any

from fidelity.probe import Assessment, Category, Change, DiffChange, Severity, Tolerance, paths
from fidelity.probe.distance import fraction_distance, js_distance, js_divergence
from fidelity.probe.shape.judge import FRACTION, HISTOGRAM, MAGNITUDE_SHIFT, MOST
from fidelity.probe.shape.judge import ROWS as KEYS
from fidelity.probe.shape.scale import ROW_LABELS, SIZE_LABELS, order

#: Thresholds are the data shape's (`fidelity.probe.shape.judge`: histograms, fractions, counts, a
#: category of MOST of the reference absent from the candidate, a median moved MAGNITUDE_SHIFT orders);
#: one more for a pattern on one side only, by its share of the keys on the side that has it.
PATTERN = Tolerance(low=0.01, medium=0.05)
NAMES = {"types": "types", "encodings": "encodings", "ttl_left": "remaining TTLs",
         "memory": "memory sizes (MEMORY USAGE)", "lengths": "lengths (STRLEN, HLEN, ...)"}

Verdict = tuple[Severity | None, str]


class _Sides:
    """Both fingerprints of the database a change is in, and the sample sizes behind them."""

    def __init__(self, change: DiffChange, reference: Any, candidate: Any) -> None:
        self.change = change
        self.slot = change.segments[1]
        self.rest = change.segments[2:]
        self.trees = (paths.lookup(reference, ("keyspace", self.slot)) or {},
                      paths.lookup(candidate, ("keyspace", self.slot)) or {})

    def scanned(self) -> tuple[float, float]:
        """Keys scanned per side, as sample sizes (infinite when the whole keyspace was walked)."""
        a, b = (math.inf if paths.lookup(t, ("sample", "complete"))
                else float(paths.lookup(t, ("sample", "scanned")) or 0) for t in self.trees)
        return a, b

    def described(self, pattern: str) -> tuple[float, float]:
        """Keys of `pattern` whose type, TTL and size were read, per side."""
        out = []
        for tree in self.trees:
            sample = paths.lookup(tree, ("sample",)) or {}
            share = float(paths.lookup(tree, ("patterns", pattern, "share")) or 0.0)
            every = sample.get("complete") and sample.get("sampled") == sample.get("scanned")
            out.append(math.inf if every else share * float(sample.get("sampled") or 0))
        return out[0], out[1]

    def tolerance(self, default: Tolerance) -> Tolerance:
        return self.change.tolerance.over(default) if self.change.tolerance else default


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity (None when within tolerance or noise) and message for a change below `keyspace/`."""
    if len(change.segments) < 3:
        side = "reference" if change.change is Change.MISSING else "candidate"
        return Assessment(Severity.INFO, Category.DATA,
                          f"keyspace {'/'.join(change.segments[1:])}: read only in the {side}")
    sides = _Sides(change, reference, candidate)
    severity, message = _judge(sides, f"keyspace {sides.slot}")
    return Assessment(severity, Category.DATA, message)


def _judge(sides: _Sides, where: str) -> Verdict:
    change, rest = sides.change, sides.rest
    if rest == ("keys",) and change.change is Change.CHANGED:
        apart = abs(order(str(change.reference), ROW_LABELS) - order(str(change.candidate), ROW_LABELS))
        return (sides.tolerance(KEYS).severity(apart),
                f"{where}: {change.reference} keys in the reference, {change.candidate} in the candidate "
                f"({apart} order(s) of magnitude apart)")
    if rest[0] != "patterns" or len(rest) < 2:
        return None, f"{where}: {'/'.join(rest)} differs (how the keyspace was read)"
    pattern = rest[1]
    what = f"{where}: keys {pattern}"
    if len(rest) == 2:
        return _pattern(sides, pattern, what)
    field = rest[2]
    if change.change is not Change.CHANGED:
        return None, f"{what}: {field} measured on one side only"
    a, b = change.reference, change.candidate
    if field == "share":
        return _fraction(sides, float(a), float(b), sides.scanned(), f"{what}: share of keys")
    if field == "ttl":
        severity, message = _fraction(sides, float(a), float(b), sides.described(pattern),
                                      f"{what}: share with a TTL")
        if severity is not None and sides.change.tolerance is None and a >= MOST and b == 0:
            return Severity.HIGH, f"{message}: no candidate key expires (memory grows, or eviction changes)"
        return severity, message
    label = f"{what}: {NAMES.get(field, field)}"
    severity, message = _histogram(sides, a, b, sides.described(pattern), label)
    if severity is None or sides.change.tolerance is not None:
        return severity, message
    if field == "types":
        ref, cand = _mapping(a), _mapping(b)
        lost = [k for k, v in ref.items() if v >= MOST and not cand.get(k)]
        if lost:
            return Severity.HIGH, (f"{message}; {ref[lost[0]]:.0%} of the reference's are {lost[0]}, "
                                   "no candidate key is")
    if field == "encodings":
        types = [paths.lookup(t, ("patterns", pattern, "types")) for t in sides.trees]
        if types[0] != types[1]:
            return None, f"{message} (follows the types, reported there)"
        return Severity.LOW, f"{message} (follows sizes and *-max-listpack-* settings)"
    if field in ("memory", "lengths"):
        labels = SIZE_LABELS if field == "memory" else ROW_LABELS
        shift = _median_order(b, labels) - _median_order(a, labels)
        if abs(shift) >= MAGNITUDE_SHIFT:
            return Severity.HIGH, f"{message}; the median moved by {shift:+d} orders of magnitude"
        if shift == 0:  # sizes near a power of ten straddle it (a longer key name): low at most
            return Severity.LOW, f"{message}; the median order of magnitude is the same"
    return severity, message


def _pattern(sides: _Sides, pattern: str, what: str) -> Verdict:
    """A pattern on one side only: a finding when its share there is beyond sampling noise."""
    change = sides.change
    missing = change.change is Change.MISSING
    share = float(paths.lookup(change.reference if missing else change.candidate, ("share",)) or 0.0)
    here, there = sides.scanned()[::1 if missing else -1]
    side, other = ("reference", "candidate") if missing else ("candidate", "reference")
    message = f"{what}: {share:.1%} of the {side}'s keys, none of the {other}'s"
    if fraction_distance(share, 0.0, here, there) == 0.0:
        return None, message + " (within sampling noise)"
    severity = sides.tolerance(PATTERN).severity(share)
    if severity is not None and missing and share >= MOST and change.tolerance is None:
        severity = Severity.HIGH
    return severity, message


def _fraction(sides: _Sides, a: float, b: float, n: tuple[float, float], label: str) -> Verdict:
    d = fraction_distance(a, b, *n)
    return sides.tolerance(FRACTION).severity(d), f"{label} {a} → {b} (differs by {abs(a - b):.2f})"


def _histogram(sides: _Sides, a: Any, b: Any, n: tuple[float, float], label: str) -> Verdict:
    p, q = _mapping(a), _mapping(b)
    d = js_distance(p, q, *n)
    return (sides.tolerance(HISTOGRAM).severity(d),
            f"{label} {_show(a)} → {_show(b)}: Jensen–Shannon distance {math.sqrt(js_divergence(p, q)):.2f}")


def _mapping(pairs: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in pairs or []}


def _show(pairs: Any) -> str:
    return ", ".join(f"{k} {float(v):.0%}" for k, v in pairs or []) or "none"


def _median_order(pairs: Any, labels: tuple[str, ...]) -> int:
    """The order of magnitude (the index of a label) below which half of the values lie."""
    total, seen = sum(float(v) for _, v in pairs or []), 0.0
    for key, share in sorted((order(str(k), labels), float(v)) for k, v in pairs or []):
        seen += share
        if seen >= total / 2:
            return key
    return 0
