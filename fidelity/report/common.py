"""Pieces the text, HTML, Markdown and JUnit reporters share: value text, truncation, grouping, wording."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fidelity.model import (
    AuditError,
    AuditReport,
    AuditWarning,
    Category,
    Change,
    Comparison,
    ExpiredRule,
    Finding,
    Status,
)
from fidelity.model.report_json import counts

ELLIPSIS = "…"
ABSENT = "(absent)"
_WHITESPACE = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]+")
# C0/C1 controls (ESC included) and bidi overrides could rewrite a terminal line or reorder text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def value_text(value: Any) -> str:
    """A value as text: strings as they are, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def sides(finding: Finding) -> tuple[str | None, str | None]:
    """Reference and candidate value text; None for the side the value is absent from."""
    reference = None if finding.change is Change.EXTRA else value_text(finding.reference)
    candidate = None if finding.change is Change.MISSING else value_text(finding.candidate)
    return reference, candidate


def visible(text: str) -> str:
    """Control characters other than tab and newline as visible escapes, e.g. '\\x1b'."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256
                        else f"\\u{ord(m.group()):04x}", text)


def printable_line(text: str) -> str:
    """Line breaks become spaces and other control characters visible escapes."""
    return visible(_WHITESPACE.sub(" ", text))


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def cut_sides(finding: Finding, limit: int) -> tuple[str | None, str | None]:
    """A finding's two values on one line each (`printable_line`), cut to `limit` by `shorten_pair`."""
    reference, candidate = (None if side is None else printable_line(side) for side in sides(finding))
    return shorten_pair(reference, candidate, limit)


def shorten_pair(reference: str | None, candidate: str | None, limit: int) -> tuple[str | None, str | None]:
    """Two values that differ, each cut to at most `limit` characters as `shorten` cuts them, unless
    both would then show the same text (the values differ only past the cut: two connection strings
    that differ in the host): then both show the same window, from a little before the first
    character that differs, an ellipsis marking each end cut."""
    if reference is None or candidate is None or reference == candidate:
        return (None if reference is None else shorten(reference, limit),
                None if candidate is None else shorten(candidate, limit))
    first = _first_difference(reference, candidate)
    if first < limit - 1:
        return shorten(reference, limit), shorten(candidate, limit)
    start = first - limit // 3
    return ELLIPSIS + shorten(reference[start:], limit - 1), ELLIPSIS + shorten(candidate[start:], limit - 1)


def _first_difference(a: str, b: str) -> int:
    """Where two strings first differ (the shorter one's length when it is the other's start):
    halves compared in C, so a long common start costs no loop over its characters."""
    lo, hi = 0, min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    while hi - lo > 1:  # a[:lo] == b[:lo], and they differ in [lo, hi)
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def note(finding: Finding) -> str:
    """The message, with the rule's reason first when a rule took the finding out of the gate."""
    if finding.reason is None:
        return finding.message
    if finding.status is Status.OPEN:
        return f"{finding.message} (reason: {finding.reason})"
    return f"{finding.status.value}: {finding.reason} — {finding.message}"


def by_category(findings: Iterable[Finding]) -> list[tuple[Category, list[Finding]]]:
    """Findings grouped by category in the enum's order, each group keeping the input order."""
    groups: dict[Category, list[Finding]] = {c: [] for c in Category}
    for finding in findings:
        groups[finding.category].append(finding)
    return [(category, group) for category, group in groups.items() if group]


def open_counts(comparison: Comparison) -> dict[str, int]:
    """Open findings per severity value, highest first."""
    result: dict[str, int] = counts(comparison)["open"]
    return result


def percent(fidelity: float) -> str:
    """Fidelity as a percentage with one decimal."""
    return f"{fidelity * 100:.1f}%"


def error_text(error: AuditError) -> str:
    """One audit gap on one line: environment, probe, object and message."""
    where = f"{error.environment} / {error.probe}" + (f" / {error.object}" if error.object else "")
    return f"{where}: {error.message}"


def warning_text(warning: AuditWarning) -> str:
    """One warning on one line: environment, probe, object and message."""
    return f"{warning.environment} / {warning.probe} / {warning.object}: {warning.message}"


def expired_text(rule: ExpiredRule) -> str:
    """The sentence that says a rule stopped applying."""
    return f"rule {rule.path!r} expired on {rule.expires} and no longer applies"


def gate_text(report: AuditReport) -> str:
    """The gate settings in words, e.g. 'fail on high, max score 50'."""
    text = f"fail on {report.fail_on.value}" if report.fail_on else "never fail on severity"
    return text + (f", max score {report.max_score}" if report.max_score is not None else "")
