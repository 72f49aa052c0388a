"""New and resolved findings: a run compared with the run before it."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from fidelity.model import AuditReport, Comparison, Finding, Status
from fidelity.model.report_json import finding_from_dict
from fidelity.publish.history_runs import Run

log = logging.getLogger(__name__)


def mark_changes(report: AuditReport, previous: Run | None) -> AuditReport:
    """Mark each finding new or not, and list the previous run's findings that are gone."""
    if previous is None:
        return report
    before: dict[str, dict[str, dict[str, Any]]] = {}
    for item in previous.report["comparisons"]:
        if isinstance(item, dict) and isinstance(item.get("findings"), list):
            before[str(item.get("candidate"))] = {str(f.get("id")): f for f in item["findings"]
                                                  if isinstance(f, dict)}
    comparisons = [_mark(c, before.get(c.candidate)) for c in report.comparisons]
    return replace(report, comparisons=tuple(comparisons))


def _mark(comparison: Comparison, before: dict[str, dict[str, Any]] | None) -> Comparison:
    if before is None:  # the candidate was not in the previous run: nothing to compare with
        return comparison
    now = {f.id for f in comparison.findings}
    resolved: list[Finding] = []
    for finding_id, item in before.items():
        if finding_id in now or item.get("status") == Status.COVERED.value:  # its cause was reported
            continue
        try:
            resolved.append(finding_from_dict(item))
        except (KeyError, ValueError, TypeError):
            log.warning("history: skipping an unreadable finding of the previous run")
    findings = tuple(replace(f, new=_new(f, before)) for f in comparison.findings)
    return replace(comparison, findings=findings, resolved=tuple(resolved))


def _new(finding: Finding, before: dict[str, dict[str, Any]]) -> bool:
    """Whether a finding is news since the previous run: not in it, or covered there (reported at a
    parent that is now fixed). A covered finding is never news: the finding of its cause is."""
    if finding.status is Status.COVERED:
        return False
    previous = before.get(finding.id)
    return previous is None or previous.get("status") == Status.COVERED.value
