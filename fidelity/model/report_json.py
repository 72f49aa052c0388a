"""The JSON report document: a report as the contract's JSON, and findings read back from it."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fidelity.model.findings import AuditReport, Category, Change, Comparison, Finding, Severity, Status

FORMAT = "fidelity-report"
VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    """One finding as in the contract (plus `new` when the run is part of a history)."""
    extra = {} if finding.new is None else {"new": finding.new}
    return {
        "id": finding.id,
        "probe": finding.probe,
        "category": finding.category.value,
        "path": finding.path,
        "change": finding.change.value,
        "reference": finding.reference,
        "candidate": finding.candidate,
        "severity": finding.severity.value,
        "status": finding.status.value,
        "reason": finding.reason,
        "message": finding.message,
        **extra,
    }


def finding_from_dict(item: dict[str, Any]) -> Finding:
    """Rebuild a finding from its JSON form (raises KeyError/ValueError when malformed)."""
    return Finding(
        id=str(item["id"]), probe=str(item["probe"]), category=Category(item["category"]),
        path=str(item["path"]), change=Change(item["change"]), reference=item.get("reference"),
        candidate=item.get("candidate"), severity=Severity(item["severity"]),
        status=Status(item["status"]), reason=item.get("reason"), message=str(item.get("message", "")),
    )


def counts(comparison: Comparison) -> dict[str, Any]:
    """Findings per severity (open only) and per status (extension)."""
    return {
        "open": {s.value: sum(1 for f in comparison.findings if f.severity is s and f.status is Status.OPEN)
                 for s in Severity},
        "status": {s.value: sum(1 for f in comparison.findings if f.status is s) for s in Status},
    }


def report_to_dict(report: AuditReport) -> dict[str, Any]:
    """The whole report as a JSON-native dict."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "verdict": report.verdict.value,
        "reference": report.reference,
        "comparisons": [
            {
                "candidate": c.candidate,
                "verdict": c.verdict.value,
                "score": c.score,
                "fidelity": c.fidelity,
                "compared_leaves": c.compared,
                "matched_leaves": c.matched,
                "counts": counts(c),
                "notices": list(c.notices),
                "findings": [finding_to_dict(f) for f in c.findings],
                **({} if c.resolved is None else {"resolved": [finding_to_dict(f) for f in c.resolved]}),
            }
            for c in report.comparisons
        ],
        "errors": [asdict(e) for e in report.errors],
        "warnings": [asdict(w) for w in report.warnings],
        "fail_on": report.fail_on.value if report.fail_on else "never",
        "max_score": report.max_score,
        "expired_rules": [asdict(r) for r in report.expired_rules],
        "tool_version": report.tool_version,
        "generated_at": report.generated_at,
    }
