"""The HTML report: one self-contained page with filters, rendered by Jinja2 with autoescaping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from fidelity.model import AuditReport, Category, Comparison, Finding, Severity, Status
from fidelity.model.report_json import counts
from fidelity.report.common import by_category, expired_text, gate_text, percent, shorten, sides, visible
from fidelity.report.interface import RenderOptions, Reporter, ReportError
from fidelity.report.jinja import template
from fidelity.report.textdiff import DiffLine, finding_diff, side

TEMPLATE = "report.html.j2"
#: Longest value text shown in a cell; the JSON report always has the whole value.
VALUE_LIMIT = 4000


@dataclass(frozen=True)
class Row:
    """One finding as the template shows it."""

    finding: Finding
    """The finding itself."""
    reference: str | None
    """Reference value text, None when absent there."""
    candidate: str | None
    """Candidate value text, None when absent there."""
    reference_lines: list[DiffLine] | None = None
    """For multi-line text: the reference's side of the line diff (removed lines marked), else None."""
    candidate_lines: list[DiffLine] | None = None
    """For multi-line text: the candidate's side of the line diff (added lines marked), else None."""


@dataclass(frozen=True)
class Section:
    """One candidate's part of the page."""

    comparison: Comparison
    """The comparison."""
    counts: dict[str, Any]
    """Open findings per severity and findings per status."""
    groups: list[tuple[Category, list[Row]]]
    """Rows per category."""


def _row(finding: Finding) -> Row:
    reference, candidate = (None if text is None else visible(shorten(text, VALUE_LIMIT))
                            for text in sides(finding))
    diff = finding_diff(finding)
    if diff:
        return Row(finding, reference, candidate, side(diff, "removed"), side(diff, "added"))
    return Row(finding, reference, candidate)


def _section(comparison: Comparison) -> Section:
    groups = [(category, [_row(f) for f in group]) for category, group in by_category(comparison.findings)]
    return Section(comparison, counts(comparison), groups)


class HtmlReporter(Reporter):
    """A single HTML file with inline CSS and JS and no external reference."""


    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """The page; ignored findings are filtered out until their checkbox is ticked."""
        try:
            page = template(TEMPLATE)
        except jinja2.TemplateError as exc:
            raise ReportError(f"html: cannot load template {TEMPLATE}: {exc}") from exc
        return page.render(
            report=report,
            sections=[_section(c) for c in report.comparisons],
            severities=[s.value for s in Severity],
            statuses=[s.value for s in Status],
            show_ignored=options.show_ignored,
            percent=percent,
            gate=gate_text(report),
            expired_text=expired_text,
        )
