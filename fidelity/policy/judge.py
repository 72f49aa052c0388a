"""Judge the diff: rules, expiry, baseline and the gate turn raw changes into findings and a report."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fidelity import __version__
from fidelity.config import Config, Rewrite
from fidelity.diff import (
    AssessedChange,
    SnapshotDiff,
    compare_snapshots,
    count_leaves,
    snapshot_errors,
    snapshot_warnings,
)
from fidelity.model import AuditReport, Comparison, Finding, Severity, Status
from fidelity.policy.baseline import Baseline
from fidelity.policy.gate import comparison_verdict, overall_verdict, score
from fidelity.policy.rules import RuleSet, make_rewriter
from fidelity.snapshot import Snapshot

#: Containers larger than this are summarised in findings instead of copied whole.
MAX_VALUE_LEAVES = 50


@dataclass(frozen=True)
class Policy:
    """How changes become findings and how the gate judges them."""

    rules: RuleSet = field(default_factory=lambda: RuleSet(()))
    """Active and expired rules."""
    rewrites: Sequence[Rewrite] = ()
    """Candidate-value rewrites."""
    fail_on: Severity | None = Severity.HIGH
    """Lowest failing severity; None never fails on severity."""
    max_score: int | None = None
    """Score above which a comparison fails."""
    baseline: Baseline | None = None
    """Accepted findings: matching open findings become `baselined`."""


def policy_from(config: Config, baseline: Baseline | None = None, today: dt.date | None = None) -> Policy:
    """The rules, rewrites, baseline and gate settings of a config."""
    return Policy(RuleSet(config.rules, today), config.rewrites, config.fail_on, config.max_score, baseline)


def finding_id(candidate: str, path: str, change: str) -> str:
    """Stable id: depends on where and what kind, never on the values."""
    digest = hashlib.sha256(f"{candidate}\0{path}\0{change}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def build_report(reference: Snapshot, candidates: Sequence[Snapshot], policy: Policy) -> AuditReport:
    """Compare each candidate with the reference, judge the changes and gather everything into a report."""
    reference_errors = snapshot_errors(reference)
    errors = list(reference_errors)
    comparisons = []
    for candidate in candidates:
        env = candidate.environment
        rewriter_for = functools.partial(make_rewriter, policy.rewrites, candidate=env)
        tolerance_for = functools.partial(policy.rules.tolerance, candidate=env)
        diff = compare_snapshots(reference, candidate, rewriter_for, tolerance_for)
        comparisons.append(judge(diff, policy, reference.secret_key_id, bool(reference_errors)))
        errors.extend(diff.errors)
    return AuditReport(
        reference=reference.environment,
        verdict=overall_verdict(comparisons, bool(errors)),
        comparisons=tuple(comparisons),
        errors=tuple(errors),
        fail_on=policy.fail_on,
        max_score=policy.max_score,
        tool_version=__version__,
        generated_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        expired_rules=policy.rules.expired_report(),
        secret_key_id=reference.secret_key_id,
        warnings=tuple(w for s in (reference, *candidates) for w in snapshot_warnings(s)),
    )


def judge(diff: SnapshotDiff, policy: Policy, key_id: str, reference_incomplete: bool) -> Comparison:
    """One candidate's comparison: its findings after rules and baseline, its score and verdict."""
    findings = sorted((_finding(c, diff.candidate, policy, key_id) for c in diff.changes),
                      key=lambda f: (-f.severity.rank, f.path, f.change.value))
    notices = []
    if diff.uncomparable_secrets:
        notices.append(
            f"{diff.uncomparable_secrets} secret value(s) could not be compared: the snapshots were taken "
            "under different keys; set the same FIDELITY_SECRET_KEY for both snapshot runs"
        )
    total = score(findings)
    return Comparison(
        candidate=diff.candidate,
        verdict=comparison_verdict(findings, total, policy.fail_on, policy.max_score,
                                   bool(diff.errors) or reference_incomplete),
        score=total,
        fidelity=round(diff.matched / diff.compared, 4) if diff.compared else 1.0,
        compared=diff.compared,
        matched=diff.matched,
        findings=tuple(findings),
        notices=tuple(notices),
    )


def _finding(assessed: AssessedChange, candidate: str, policy: Policy, key_id: str) -> Finding:
    change, assessment, path = assessed.change, assessed.assessment, assessed.path
    assert assessment.severity is not None, "within-tolerance changes are not findings"
    decision = policy.rules.decide(path, change.change.value, candidate, assessment.severity)
    message = assessment.message
    if assessment.covered_by:  # the finding that reports its cause is in the gate; this one is not
        decision = replace(decision, status=Status.COVERED)
        message = assessment.covered_note or message
    if decision.status is Status.OPEN:
        expired = policy.rules.expired_matching(path, change.change.value, candidate)
        if expired is not None and expired.expires is not None:
            message += f" (rule {expired.path!r} expired on {expired.expires.isoformat()})"
    finding = Finding(
        id=finding_id(candidate, path, change.change.value),
        probe=assessed.probe,
        category=assessment.category,
        path=path,
        change=change.change,
        reference=_shown(change.reference),
        candidate=_shown(change.candidate),
        severity=decision.severity,
        status=decision.status,
        reason=decision.reason,
        message=message,
    )
    accepted = policy.baseline.match(candidate, finding, key_id) if policy.baseline else None
    if finding.status is Status.OPEN and accepted is not None:
        return replace(finding, status=Status.BASELINED, reason=accepted.reason)
    return finding


def _shown(value: Any) -> Any:
    if isinstance(value, (dict, list)) and count_leaves(value) > MAX_VALUE_LEAVES:
        return f"<{type(value).__name__} of {count_leaves(value)} values>"
    return value
