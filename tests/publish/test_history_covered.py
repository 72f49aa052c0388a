"""History marks and covered findings: a covered finding (a partition's copy of its parent's change)
is never news, and is not "resolved" when it goes; a finding that was covered and is now in the gate
(its parent fixed, the partition not) is news."""

from __future__ import annotations

from dataclasses import replace

from fidelity.model import AuditReport, Finding, Status
from fidelity.model.report_json import report_to_dict
from fidelity.publish.history_marks import mark_changes
from fidelity.publish.history_runs import Run
from fidelity.publish.webhook import build_message, should_send


def _with(report: AuditReport, findings: tuple[Finding, ...]) -> AuditReport:
    (comparison,) = report.comparisons
    return replace(report, comparisons=(replace(comparison, findings=findings),))


def _covered_copies(finding: Finding, count: int) -> tuple[Finding, ...]:
    return tuple(replace(finding, id=f"{finding.id}-{i}", path=f"{finding.path}_part_{i}",
                         status=Status.COVERED, message="covered by the same change at its parent")
                 for i in range(count))


def test_covered_findings_are_never_new_and_do_not_wake_an_on_change_webhook(
        sample_report: AuditReport) -> None:
    before = Run("previous", report_to_dict(sample_report))
    (comparison,) = sample_report.comparisons
    parent = next(f for f in comparison.findings if f.status is Status.OPEN)
    now = _with(sample_report, (*comparison.findings, *_covered_copies(parent, 66)))  # new partitions
    marked = mark_changes(now, before)
    (after,) = marked.comparisons
    assert not any(f.new for f in after.findings)
    assert not should_send("on_change", marked, sample_report.verdict.value)
    assert "new" not in build_message(marked, None)["text"]


def test_a_covered_finding_that_goes_is_not_resolved_and_one_that_opens_is_new(
        sample_report: AuditReport) -> None:
    (comparison,) = sample_report.comparisons
    parent = next(f for f in comparison.findings if f.status is Status.OPEN)
    (child,) = _covered_copies(parent, 1)
    before = Run("previous", report_to_dict(_with(sample_report, (*comparison.findings, child))))
    gone = mark_changes(sample_report, before)
    assert all(f.id != child.id for f in gone.comparisons[0].resolved)
    opened = mark_changes(_with(sample_report, (*comparison.findings, replace(child, status=Status.OPEN))),
                          before)
    assert {f.id for f in opened.comparisons[0].findings if f.new} == {child.id}
