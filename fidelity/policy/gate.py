"""The gate: drift score and verdicts (weights are fidelity.model.SEVERITY_WEIGHTS)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from fidelity.model import Comparison, Finding, Severity, Status, Verdict


def score(findings: Iterable[Finding]) -> int:
    """Weighted sum of open findings."""
    return sum(f.severity.weight for f in findings if f.status is Status.OPEN)


def fails_gate(finding: Finding, fail_on: Severity | None) -> bool:
    """True for an open finding at or above `fail_on`."""
    return fail_on is not None and finding.status is Status.OPEN and finding.severity.rank >= fail_on.rank


def gate_failures(findings: Iterable[Finding], fail_on: Severity | None) -> list[Finding]:
    """Open findings at or above `fail_on`."""
    return [f for f in findings if fails_gate(f, fail_on)]


def comparison_verdict(findings: Sequence[Finding], total: int, fail_on: Severity | None,
                       max_score: int | None, incomplete: bool) -> Verdict:
    """error when incomplete, fail when the gate trips, else pass."""
    if incomplete:
        return Verdict.ERROR
    if gate_failures(findings, fail_on) or (max_score is not None and total > max_score):
        return Verdict.FAIL
    return Verdict.PASS


def overall_verdict(comparisons: Iterable[Comparison], incomplete: bool) -> Verdict:
    """error wins over fail, fail over pass."""
    verdicts = {c.verdict for c in comparisons}
    if incomplete or Verdict.ERROR in verdicts:
        return Verdict.ERROR
    return Verdict.FAIL if Verdict.FAIL in verdicts else Verdict.PASS
