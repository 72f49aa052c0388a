"""Turn two snapshots into a Comparison: diff each probe, judge each change, apply rules."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from fidelity import paths, registry
from fidelity.baseline import Baseline
from fidelity.diff.gate import comparison_verdict, score
from fidelity.diff.tree import count_leaves, diff_trees
from fidelity.model import AuditError, Comparison, Finding, Severity, Status
from fidelity.probe import DiffChange, Probe
from fidelity.rules import Rewrite, RuleSet, make_rewriter
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


def finding_id(candidate: str, path: str, change: str) -> str:
    """Stable id: depends on where and what kind, never on the values."""
    digest = hashlib.sha256(f"{candidate}\0{path}\0{change}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:16]


def snapshot_errors(snapshot: Snapshot) -> list[AuditError]:
    """The failed probes and unread parts recorded in a snapshot."""
    errors: list[AuditError] = []
    for name, probe in snapshot.probes.items():
        if probe.status == "error":
            errors.append(AuditError(snapshot.environment, name, None, probe.error or "probe failed"))
        errors.extend(AuditError(snapshot.environment, name, g.object, g.message) for g in probe.gaps)
    return errors


def compare(reference: Snapshot, candidate: Snapshot, policy: Policy) -> tuple[Comparison, list[AuditError]]:
    """Compare a candidate snapshot with the reference; returns the comparison and its gaps."""
    errors = snapshot_errors(candidate)
    findings: list[Finding] = []
    compared = matched = uncomparable = 0
    secrets_comparable = reference.secret_key_id == candidate.secret_key_id
    for name, ref_probe in reference.probes.items():
        cand_probe = candidate.probes.get(name)
        if cand_probe is None:
            errors.append(AuditError(candidate.environment, name, None,
                                     f"probe {name!r} is not in the candidate snapshot; take both "
                                     "snapshots with the same config"))
            continue
        if cand_probe.type != ref_probe.type:
            errors.append(AuditError(candidate.environment, name, None,
                                     f"probe {name!r} is of type {cand_probe.type!r} here but "
                                     f"{ref_probe.type!r} in the reference"))
            continue
        if ref_probe.status != "ok" or cand_probe.status != "ok":
            continue  # the failure itself is reported as an error
        cls: type[Probe] | None = registry.get(ref_probe.type)
        hints = cls.list_hints if cls is not None else ()
        tree = diff_trees(
            ref_probe.data, cand_probe.data, hints=hints,
            rewrite=make_rewriter(policy.rewrites, name, candidate.environment),
            secrets_comparable=secrets_comparable,
        )
        compared += tree.compared
        matched += tree.matched
        uncomparable += tree.uncomparable_secrets
        unknown = [g.segments for g in (*ref_probe.gaps, *cand_probe.gaps) if g.segments]
        for change in tree.changes:
            if any(change.segments[: len(u)] == u for u in unknown):
                continue
            finding = _finding(name, cls, change, ref_probe.data, cand_probe.data, candidate.environment,
                               policy, reference.secret_key_id)
            if finding is None:  # a measured difference within tolerance matches
                matched += max(count_leaves(change.reference), count_leaves(change.candidate))
            else:
                findings.append(finding)
    for name in candidate.probes.keys() - reference.probes.keys():
        errors.append(AuditError(reference.environment, name, None,
                                 f"probe {name!r} is only in the candidate snapshot"))
    notices = []
    if uncomparable:
        notices.append(
            f"{uncomparable} secret value(s) could not be compared: the snapshots were taken under "
            "different keys; set the same FIDELITY_SECRET_KEY for both snapshot runs"
        )
    findings.sort(key=lambda f: (-f.severity.rank, f.path, f.change.value))
    total = score(findings)
    return Comparison(
        candidate=candidate.environment,
        verdict=comparison_verdict(findings, total, policy.fail_on, policy.max_score,
                                   bool(errors or snapshot_errors(reference))),
        score=total,
        fidelity=round(matched / compared, 4) if compared else 1.0,
        compared=compared,
        matched=matched,
        findings=tuple(findings),
        notices=tuple(notices),
    ), errors


def _finding(probe: str, cls: type[Probe] | None, change: DiffChange, ref_data: Any, cand_data: Any,
             candidate: str, policy: Policy, key_id: str) -> Finding | None:
    path = "/".join((paths.escape(probe), *map(paths.escape, change.segments)))
    tolerance = policy.rules.tolerance(path, change.change.value, candidate)
    if tolerance is not None:
        change = replace(change, tolerance=tolerance)
    assessment = (cls or Probe).assess(change, ref_data, cand_data)
    if assessment.severity is None:
        return None
    decision = policy.rules.decide(path, change.change.value, candidate, assessment.severity)
    message = assessment.message
    if decision.status is Status.OPEN:
        expired = policy.rules.expired_matching(path, change.change.value, candidate)
        if expired is not None and expired.expires is not None:
            message += f" (rule {expired.path!r} expired on {expired.expires.isoformat()})"
    finding = Finding(
        id=finding_id(candidate, path, change.change.value),
        probe=probe,
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
