"""The terminal report: a one-line summary, then a table of findings per category."""

from __future__ import annotations

from typing import Any

import click
from tabulate import tabulate

from fidelity.model import AuditReport, Comparison, Finding, Severity, Status, Verdict
from fidelity.report.common import (
    ABSENT,
    by_category,
    counts_text,
    error_text,
    expired_text,
    gate_text,
    hidden_text,
    note,
    one_line,
    percent,
    shorten,
    shown,
    sides,
)
from fidelity.report.interface import RenderOptions, Reporter

CELL_LIMIT = 60
NOTE_LIMIT = 120
HEADERS = ("severity", "status", "change", "path", "reference", "candidate", "message / reason")
SEVERITY_STYLE: dict[Severity, dict[str, Any]] = {
    Severity.CRITICAL: {"fg": "red", "bold": True},
    Severity.HIGH: {"fg": "red"},
    Severity.MEDIUM: {"fg": "yellow"},
    Severity.LOW: {"fg": "cyan"},
    Severity.INFO: {"dim": True},
}
VERDICT_STYLE: dict[Verdict, dict[str, Any]] = {
    Verdict.PASS: {"fg": "green", "bold": True},
    Verdict.FAIL: {"fg": "red", "bold": True},
    Verdict.ERROR: {"fg": "magenta", "bold": True},
}


def cell(text: str | None, limit: int = CELL_LIMIT) -> str:
    """Table-safe text: one line, control characters escaped, at most `limit` characters."""
    return ABSENT if text is None else shorten(one_line(text), limit)


class TerminalReporter(Reporter):
    """Human-readable report for a terminal; colour only when asked for."""

    extension = "txt"

    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """Summary line first, then findings, notices, errors and expired rules."""
        return _Writer(options.color).document(report, options.show_ignored)


class _Writer:
    """Builds the lines of one terminal report, styled or plain."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def document(self, report: AuditReport, show_ignored: bool) -> str:
        """The whole report."""
        lines = [self.summary(report), ""]
        for comparison in report.comparisons:
            lines += self.comparison(report, comparison, show_ignored)
        if report.errors:
            lines += [self.style("Errors (audit incomplete)", bold=True, fg="red")]
            lines += [f"  - {cell(error_text(e), 500)}" for e in report.errors] + [""]
        if report.expired_rules:
            lines += [self.style("Expired rules", bold=True)]
            lines += [f"  - {cell(expired_text(r), 500)}" for r in report.expired_rules] + [""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def style(self, text: str, **style: Any) -> str:
        """`text` styled with click when colour is on, unchanged otherwise."""
        return click.style(text, **style) if self.color else text

    def verdict(self, verdict: Verdict) -> str:
        """The verdict in capitals, coloured."""
        return self.style(verdict.value.upper(), **VERDICT_STYLE[verdict])

    def summary(self, report: AuditReport) -> str:
        """The first line: verdict, reference, and per candidate its score, fidelity and counts."""
        parts = [f"{self.verdict(report.verdict)} reference {cell(report.reference)}"]
        parts += [f"{cell(c.candidate)}: score {c.score}, fidelity {percent(c.fidelity)}, {counts_text(c)}"
                  for c in report.comparisons]
        if report.errors:
            parts.append(self.style(f"INCOMPLETE: {len(report.errors)} error(s)", fg="red", bold=True))
        return " | ".join(parts)

    def comparison(self, report: AuditReport, comparison: Comparison, show_ignored: bool) -> list[str]:
        """The section of one candidate: a heading, then a table per category."""
        heading = (f"{cell(comparison.candidate)} vs {cell(report.reference)}: "
                   f"{self.verdict(comparison.verdict)} (score {comparison.score}, "
                   f"fidelity {percent(comparison.fidelity)} of {comparison.compared} compared value(s), "
                   f"{gate_text(report)})")
        lines = [self.style("== ", bold=True) + heading, ""]
        if not comparison.findings:
            lines += [self.style(f"No drift found: {cell(comparison.candidate)} matches "
                                 f"{cell(report.reference)}.", fg="green"), ""]
        listed, hidden = shown(comparison.findings, show_ignored)
        for category, group in by_category(listed):
            lines += [self.style(f"-- {category.value} ({len(group)})", bold=True)]
            lines += [tabulate([self.row(f) for f in group], headers=HEADERS, disable_numparse=True), ""]
        if hidden:
            lines += [self.style(hidden_text(hidden), dim=True), ""]
        if comparison.notices:
            lines += [self.style("Notices", bold=True)]
            lines += [f"  - {cell(n, 500)}" for n in comparison.notices] + [""]
        return lines

    def row(self, finding: Finding) -> list[str]:
        """One table row, every cell on one line."""
        reference, candidate = sides(finding)
        status = finding.status.value
        return [
            self.style(finding.severity.value, **SEVERITY_STYLE[finding.severity]),
            status if finding.status is Status.OPEN else self.style(status, dim=True),
            finding.change.value,
            cell(finding.path),
            cell(reference),
            cell(candidate),
            cell(note(finding), NOTE_LIMIT),
        ]
