"""Severity rules as a table of path globs, and the judging helpers the schema probes share.

One documented rule decides schema severities: a difference that makes the same statement
behave differently is high, one in performance only is medium, a cosmetic one is low. A
probe writes that rule as a table of path globs (`Rules`); these helpers read the table,
show values in messages, and judge what needs both trees: renamed indexes and constraints,
and column order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fidelity.model import Change, DiffChange, Severity
from fidelity.model import finding_paths as paths

Rules = tuple[tuple[str, Severity, Severity, Severity], ...]
"""(glob below the probe name, missing, extra, changed), most specific first; the last must be `**`."""


def rule_severity(rules: Rules, segments: tuple[str, ...], change: Change) -> Severity:
    """The severity the first matching rule gives `change` at `segments`."""
    path = paths.join(segments)
    for pattern, missing, extra, changed in rules:
        if paths.matches(pattern, path):
            return {Change.MISSING: missing, Change.EXTRA: extra, Change.CHANGED: changed}[change]
    raise AssertionError("the last rule matches every path")


def show(value: Any) -> str:
    """A value in a message, shortened (an empty string shown as `""`)."""
    if value == "":
        return '""'
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def renamed(change: DiffChange, reference: Any, candidate: Any, what: str) -> tuple[Severity, str] | None:
    """Same definition under another name in the same group (an index, a constraint): info, or None.

    Only a rename when the old name is gone from the candidate and the new one absent from the
    reference: a partner that still exists on this side (with another definition) is its own change.
    """
    group = change.segments[:-1]
    ref, cand = paths.lookup(reference, group) or {}, paths.lookup(candidate, group) or {}
    name = change.segments[-1]
    if change.change is Change.CHANGED:
        if sorted(map(str, ref.values())) == sorted(map(str, cand.values())):
            return Severity.INFO, f"{what}: names differ, definitions are the same (generated names)"
        return None
    mine, theirs, other = (ref, cand, "the candidate") if change.change is Change.MISSING \
        else (cand, ref, "the reference")
    partners = [n for n, d in theirs.items() if d == mine[name] and n not in mine]
    if partners:
        return Severity.INFO, f"{what} looks renamed: {other} has the same definition as {partners[0]}"
    return None


def order(change: DiffChange, what: str) -> tuple[Severity, str]:
    """An ordered list of names (column order): info when it differs only by names added or
    removed (reported on their own), else low."""
    ref, cand = list(change.reference), list(change.candidate)
    common = set(ref) & set(cand)
    noun = change.segments[-1].replace("_", " ")
    if [c for c in ref if c in common] == [c for c in cand if c in common]:
        return Severity.INFO, f"{what}: {noun} differs only by the {noun.split()[0]}s added or removed"
    return Severity.LOW, f"{what}: {noun} {show(ref)} → {show(cand)}"


def describe(change: DiffChange, label: Callable[[tuple[str, ...]], tuple[str, tuple[str, ...]]]) -> str:
    """A one-line message naming the object (`label` splits a path into object and attribute)."""
    what, below = label(change.segments)
    where = f"{what}: {'/'.join(below)}" if below else what
    if change.change is Change.MISSING:
        return f"{where} is missing from the candidate"
    if change.change is Change.EXTRA:
        return f"{where} is only in the candidate"
    if below and below[-1] == "body_hash":
        return f"{what}: body differs (normalised hash {change.reference} → {change.candidate})"
    return f"{where} {show(change.reference)} → {show(change.candidate)}"
