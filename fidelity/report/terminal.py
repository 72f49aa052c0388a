"""The terminal report: a one-line summary, then a table of findings per category."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from fidelity.model import AuditReport, Comparison, Finding, Severity, Status, Verdict
from fidelity.report.common import (
    ABSENT,
    ELLIPSIS,
    by_category,
    cut_sides,
    error_text,
    expired_text,
    gate_text,
    note,
    open_counts,
    percent,
    printable_line,
    shorten,
    warning_text,
)
from fidelity.report.interface import RenderOptions, Reporter

if TYPE_CHECKING:  # tabulate and textdiff are imported where a report is drawn: `summary_line` needs neither
    from fidelity.report.textdiff import DiffLine

CELL_LIMIT = 60
NOTE_LIMIT = 120
LINE_LIMIT = 500
HEADERS = ("severity", "status", "change", "path", "reference", "candidate", "message / reason")
SEVERITY_STYLE: dict[Severity, dict[str, Any]] = {
    Severity.CRITICAL: {"fg": "red", "bold": True},
    Severity.HIGH: {"fg": "red"},
    Severity.MEDIUM: {"fg": "yellow"},
    Severity.LOW: {"fg": "cyan"},
    Severity.INFO: {"dim": True},
}
_DIFF_STYLE: dict[str, dict[str, Any]] = {
    "removed": {"fg": "red"}, "added": {"fg": "green"}, "hunk": {"fg": "cyan"}, "note": {"dim": True}}
_FOREGROUND = {"red": 31, "green": 32, "yellow": 33, "magenta": 35, "cyan": 36}
VERDICT_STYLE: dict[Verdict, dict[str, Any]] = {
    Verdict.PASS: {"fg": "green", "bold": True},
    Verdict.FAIL: {"fg": "red", "bold": True},
    Verdict.ERROR: {"fg": "magenta", "bold": True},
}


def cell(text: str | None, limit: int = CELL_LIMIT) -> str:
    """Table-safe text: one line, control characters escaped, at most `limit` characters."""
    return ABSENT if text is None else shorten(printable_line(text), limit)


def path_cell(path: str, limit: int = CELL_LIMIT) -> str:
    """A path on one line in at most `limit` characters; a long one keeps its end, where paths differ:
    '…/Deployment/frontend/spec/replicas', cut after a '/' where one fits."""
    text = printable_line(path)
    if len(text) <= limit:
        return text
    tail = text[len(text) - (limit - 1):]
    slash = tail.find("/")
    return ELLIPSIS + (tail[slash:] if 0 <= slash < len(tail) - 1 else tail)


#: Statuses a human view leaves out unless asked (`--show-ignored`): an ignored finding, and one
#: covered by the finding that reports its cause (a column each partition inherits).
HIDDEN = (Status.IGNORED, Status.COVERED)


def shown(findings: Sequence[Finding], show_ignored: bool) -> tuple[list[Finding], str]:
    """The findings a human view lists, and what it leaves out ("2 ignored, 5 covered"; "" for none)."""
    if show_ignored:
        return list(findings), ""
    kept = [f for f in findings if f.status not in HIDDEN]
    left = ", ".join(f"{n} {status.value}" for status in HIDDEN
                     for n in (sum(f.status is status for f in findings),) if n)
    return kept, left


def counts_text(comparison: Comparison) -> str:
    """E.g. '1 high, 3 medium', or 'no open findings'."""
    parts = [f"{n} {severity}" for severity, n in open_counts(comparison).items() if n]
    return ", ".join(parts) if parts else "no open findings"


def summary_line(report: AuditReport, color: bool = False) -> str:
    """The report's first line, also printed to stderr when every report went to a file."""
    return _Writer(color).summary(report)


class TerminalReporter(Reporter):
    """Human-readable report for a terminal; colour only when asked for."""


    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """Summary line first, then findings, notices, errors and expired rules."""
        return _Writer(options.color, options.width).document(report, options.show_ignored)


class _Writer:
    """Builds the lines of one terminal report, styled or plain."""

    def __init__(self, color: bool, width: int | None = None) -> None:
        self.color = color
        self.limits = _column_limits(width)

    def document(self, report: AuditReport, show_ignored: bool) -> str:
        """The whole report."""
        lines = [self.summary(report), ""]
        for comparison in report.comparisons:
            lines += self.comparison(report, comparison, show_ignored)
        if report.errors:
            lines += [self.style("Errors (audit incomplete)", bold=True, fg="red")]
            lines += [f"  - {cell(error_text(e), LINE_LIMIT)}" for e in report.errors] + [""]
        if report.warnings:
            lines += [self.style("Warnings", bold=True, fg="yellow")]
            lines += [f"  - {cell(warning_text(w), LINE_LIMIT)}" for w in report.warnings] + [""]
        if report.expired_rules:
            lines += [self.style("Expired rules", bold=True)]
            lines += [f"  - {cell(expired_text(r), LINE_LIMIT)}" for r in report.expired_rules] + [""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def style(self, text: str, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
        """`text` in ANSI colour and weight when colour is on, unchanged otherwise."""
        if not self.color:
            return text
        codes = ([_FOREGROUND[fg]] if fg else []) + ([1] if bold else []) + ([2] if dim else [])
        return "".join(f"\x1b[{code}m" for code in codes) + text + "\x1b[0m"

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
        from tabulate import tabulate

        lines = [self.style("== ", bold=True) + heading, ""]
        if not comparison.findings and comparison.verdict is Verdict.ERROR:
            lines += [self.style("No drift found in what could be read, but the audit is incomplete: "
                                 "see the errors.", fg="yellow"), ""]
        elif not comparison.findings:
            lines += [self.style(f"No drift found: {cell(comparison.candidate)} matches "
                                 f"{cell(report.reference)}.", fg="green"), ""]
        listed, hidden = shown(comparison.findings, show_ignored)
        for category, group in by_category(listed):
            lines += [self.style(f"-- {category.value} ({len(group)})", bold=True)]
            lines += [tabulate([self.row(f) for f in group], headers=HEADERS, disable_numparse=True,
                               maxcolwidths=self.limits.wrap), ""]
            lines += self.line_diffs(group)
        if hidden:
            lines += [self.style(f"{hidden} finding(s) hidden; use --show-ignored", dim=True), ""]
        if comparison.resolved:
            lines += [self.style(f"{len(comparison.resolved)} finding(s) resolved since the previous run: ",
                                 fg="green")
                      + ", ".join(path_cell(f.path) for f in comparison.resolved[:10])
                      + (" …" if len(comparison.resolved) > 10 else ""), ""]
        if comparison.notices:
            lines += [self.style("Notices", bold=True)]
            lines += [f"  - {cell(n, LINE_LIMIT)}" for n in comparison.notices] + [""]
        return lines

    def line_diffs(self, findings: list[Finding]) -> list[str]:
        """Below a table, the changed lines of each multi-line value in it."""
        from fidelity.report.textdiff import finding_diff

        lines: list[str] = []
        for finding in findings:
            diff = finding_diff(finding)
            if diff:
                lines += [self.style(f"changed lines of {cell(finding.path, LINE_LIMIT)}", bold=True)]
                lines += [f"  {self.diff_line(line)}" for line in diff] + [""]
        return lines

    def diff_line(self, line: DiffLine) -> str:
        """One diff line: removed red, added green, headers cyan, notes dim."""
        text = line.unified()
        if line.kind == "same":
            return text
        return self.style(text, **_DIFF_STYLE[line.kind])

    def row(self, finding: Finding) -> list[str]:
        """One table row, every cell on one line."""
        reference, candidate = cut_sides(finding, self.limits.value)
        status = finding.status.value + (" new" if finding.new else "")
        return [
            self.style(finding.severity.value, **SEVERITY_STYLE[finding.severity]),
            status if finding.status is Status.OPEN else self.style(status, dim=True),
            finding.change.value,
            wrap_path(cell(finding.path, LINE_LIMIT), self.limits.path) if self.limits.wrap
            else path_cell(finding.path, self.limits.path),
            cell(reference, self.limits.value),
            cell(candidate, self.limits.value),
            cell(note(finding), self.limits.note),
        ]


class _Limits(NamedTuple):
    path: int
    value: int
    note: int
    wrap: list[int | None] | None


def _column_limits(width: int | None) -> _Limits:
    """Cell limits: fixed for files and pipes; on a terminal, fitted to its width with wrapping."""
    if width is None:
        return _Limits(CELL_LIMIT, CELL_LIMIT, NOTE_LIMIT, None)
    # severity, status and change take 28 columns with their gaps; 8 more separate the others.
    room = max(width - 36, 48)
    path, value = room * 4 // 10, room * 3 // 20
    note_width = room - path - 2 * value
    return _Limits(path, value, note_width * 3, [None, None, None, path, value, value, note_width])


def wrap_path(path: str, width: int) -> str:
    """Break a long path after '/' separators so that each line fits `width` where it can."""
    lines, line = [], ""
    for segment in path.split("/"):
        piece = segment if not line else "/" + segment
        if line and len(line) + len(piece) > width:
            lines.append(line + "/")
            piece = segment
            line = ""
        line += piece
    lines.append(line)
    return "\n".join(lines)
