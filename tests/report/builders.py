"""Reports the fixtures do not cover: probes that failed, several categories, many findings."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from conftest import CANDIDATE_DATA, REFERENCE_DATA, snapshot_of

from fidelity.model import AuditReport, Category, Severity
from fidelity.policy import Policy, RuleSet, build_report
from fidelity.snapshot import ProbeSnapshot, Snapshot

DB_ERROR = "connection refused\x1b[31m\x00 by db.internal"


def _build(reference: Snapshot, candidate: Snapshot) -> AuditReport:
    policy = Policy(RuleSet((), dt.date(2026, 11, 27)), (), Severity.HIGH, None)
    return build_report(reference, [candidate], policy)


def errored_report(*, reference_fails: bool = False, message: str = DB_ERROR) -> AuditReport:
    """The sample data plus a `db` probe that failed in the candidate (or in the reference)."""
    ok = ProbeSnapshot(type="fake", status="ok", data={"tables": {"users": {"rows": 1}}})
    failed = ProbeSnapshot(type="fake", status="error", error=message)
    reference = snapshot_of("production", REFERENCE_DATA)
    candidate = snapshot_of("staging", CANDIDATE_DATA)
    reference = dataclasses.replace(reference, probes={**reference.probes,
                                                       "db": failed if reference_fails else ok})
    candidate = dataclasses.replace(candidate, probes={**candidate.probes,
                                                       "db": ok if reference_fails else failed})
    return _build(reference, candidate)


def recategorized(report: AuditReport, path_part: str, category: Category) -> AuditReport:
    """The report with the findings whose path contains `path_part` moved to `category`."""
    comparisons = tuple(
        dataclasses.replace(c, findings=tuple(
            dataclasses.replace(f, category=category) if path_part in f.path else f for f in c.findings))
        for c in report.comparisons
    )
    return dataclasses.replace(report, comparisons=comparisons)


def many_keys(count: int, value: str) -> dict[str, Any]:
    """Probe data for `app` with `count` keys all set to `value` plus their number."""
    return {"app": {"big.env": {f"KEY_{i:05d}": f"{value}{i}" for i in range(count)}}}


def other_key_report() -> AuditReport:
    """The sample data with the candidate's secrets fingerprinted under another key."""
    reference = snapshot_of("production", REFERENCE_DATA)
    candidate = snapshot_of("staging", CANDIDATE_DATA, key_id="another key")
    return _build(reference, candidate)
