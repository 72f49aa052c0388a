"""Snapshot comparison: rules, rewrites, ids, gaps, failed probes and the gate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import FakeProbe, snapshot_of

from fidelity.config import Rewrite, Rule, RuleAction
from fidelity.exit_codes import ExitCode, for_report
from fidelity.model import Change, Severity, Status, Verdict
from fidelity.policy import Policy, RuleSet, build_report, finding_id
from fidelity.probe import Assessment, DiffChange, Gap, Tolerance
from fidelity.snapshot import ProbeSnapshot, Snapshot

TODAY = dt.date(2026, 11, 27)
REF = {"app": {"app.env": {"LOG_LEVEL": "info", "HOST": "db.prod.internal", "WORKERS": 8, "GONE": "x"}}}
CAND = {"app": {"app.env": {"LOG_LEVEL": "debug", "HOST": "db.staging.internal", "WORKERS": 2, "NEW": 1}}}


def run(rules: list[Rule] | None = None, rewrites: list[Rewrite] | None = None,
        ref: dict[str, Any] = REF, cand: dict[str, Any] = CAND, **gate: Any) -> Any:
    policy = Policy(RuleSet(rules or [], TODAY), rewrites or [], **gate)
    report = build_report(snapshot_of("production", ref), [snapshot_of("staging", cand)], policy)
    return report.comparisons[0], list(report.errors)


def by_path(comparison: Any) -> dict[str, Any]:
    return {f.path: f for f in comparison.findings}


def test_change_kinds_and_default_severities() -> None:
    comparison, errors = run()
    found = by_path(comparison)
    assert errors == []
    assert found["app/app.env/GONE"].change is Change.MISSING
    assert found["app/app.env/GONE"].severity is Severity.HIGH
    assert found["app/app.env/NEW"].change is Change.EXTRA
    assert found["app/app.env/WORKERS"].change is Change.CHANGED
    assert (found["app/app.env/WORKERS"].reference, found["app/app.env/WORKERS"].candidate) == (8, 2)
    assert comparison.verdict is Verdict.FAIL


def test_rules_expect_ignore_and_severity() -> None:
    comparison, _ = run(rules=[
        Rule("app/**/LOG_LEVEL", RuleAction.EXPECT, reason="debug in staging"),
        Rule("app/app.env/GONE", RuleAction.IGNORE, reason="retired"),
        Rule("app/*/WORKERS", RuleAction.SEVERITY, severity=Severity.LOW, reason="small boxes"),
    ])
    found = by_path(comparison)
    assert (found["app/app.env/LOG_LEVEL"].status, found["app/app.env/LOG_LEVEL"].reason) == (
        Status.EXPECTED, "debug in staging")
    assert found["app/app.env/GONE"].status is Status.IGNORED
    assert (found["app/app.env/WORKERS"].severity, found["app/app.env/WORKERS"].status) == (
        Severity.LOW, Status.OPEN)
    # Only HOST (medium) and WORKERS (low) and NEW (medium) stay open: the gate at high passes.
    assert comparison.verdict is Verdict.PASS
    assert comparison.score == 4 + 1 + 4


def test_expired_rule_stops_applying_and_is_named() -> None:
    rule = Rule("app/**/GONE", RuleAction.IGNORE, reason="temporary", expires=dt.date(2026, 11, 26))
    comparison, _ = run(rules=[rule])
    gone = by_path(comparison)["app/app.env/GONE"]
    assert gone.status is Status.OPEN
    assert "expired on 2026-11-26" in gone.message
    report = build_report(snapshot_of("production", REF), [snapshot_of("staging", CAND)],
                          Policy(RuleSet([rule], TODAY)))
    assert [r.path for r in report.expired_rules] == ["app/**/GONE"]
    still_valid = Rule("app/**/GONE", RuleAction.IGNORE, expires=TODAY)
    assert by_path(run(rules=[still_valid])[0])["app/app.env/GONE"].status is Status.IGNORED


def test_rule_scoped_to_environment_and_change() -> None:
    comparison, _ = run(rules=[Rule("**", RuleAction.IGNORE, environment="qa"),
                               Rule("**", RuleAction.EXPECT, change="extra")])
    statuses = {f.path: f.status for f in comparison.findings}
    assert statuses["app/app.env/NEW"] is Status.EXPECTED
    assert statuses["app/app.env/GONE"] is Status.OPEN


def test_rewrites_neutralise_hostnames_with_scope() -> None:
    rewrite = Rewrite(reference="prod.internal", candidate="staging.internal")
    assert "app/app.env/HOST" not in by_path(run(rewrites=[rewrite])[0])
    scoped = Rewrite(reference="prod.internal", candidate="staging.internal", path="app/other/**")
    assert "app/app.env/HOST" in by_path(run(rewrites=[scoped])[0])
    other_env = Rewrite(reference="prod.internal", candidate="staging.internal", environment="qa")
    assert "app/app.env/HOST" in by_path(run(rewrites=[other_env])[0])


def test_ids_are_stable_and_independent_of_values() -> None:
    first = by_path(run()[0])["app/app.env/WORKERS"].id
    other = {"app": {"app.env": {**CAND["app"]["app.env"], "WORKERS": 99}}}
    assert by_path(run(cand=other)[0])["app/app.env/WORKERS"].id == first
    assert first == finding_id("staging", "app/app.env/WORKERS", "changed")
    assert finding_id("qa", "app/app.env/WORKERS", "changed") != first


def test_fidelity_is_share_of_matching_leaves() -> None:
    comparison, _ = run()
    # 5 leaves in the union (LOG_LEVEL, HOST, WORKERS, GONE, NEW), none matching.
    assert (comparison.compared, comparison.matched, comparison.fidelity) == (5, 0, 0.0)
    same, _ = run(cand=REF)
    assert (same.fidelity, same.findings, same.verdict) == (1.0, (), Verdict.PASS)


def test_failed_probe_makes_audit_incomplete_but_others_still_compare() -> None:
    ref = snapshot_of("production", {"app": REF["app"], "db": {"x": 1}})
    cand = Snapshot("staging", "t", "test", "k1", {
        "app": ProbeSnapshot("fake", "ok", data=CAND["app"]),
        "db": ProbeSnapshot("fake", "error", error="connection refused: db.staging:5432"),
    })
    report = build_report(ref, [cand], Policy())
    assert report.verdict is Verdict.ERROR
    assert [(e.environment, e.probe, e.message) for e in report.errors] == [
        ("staging", "db", "connection refused: db.staging:5432")]
    assert report.comparisons[0].findings  # app was still compared
    assert for_report(report) is ExitCode.INCOMPLETE


def test_gap_hides_differences_inside_the_unread_part() -> None:
    cand = Snapshot("staging", "t", "test", "k1", {"app": ProbeSnapshot(
        "fake", "ok", data={"other.env": {}},
        gaps=(Gap("app.env", "envs/staging/app.env: file not found", ("app.env",)),))})
    ref = snapshot_of("production", {"app": {"app.env": {"A": 1}, "other.env": {}}})
    report = build_report(ref, [cand], Policy())
    assert report.comparisons[0].findings == ()
    assert [e.object for e in report.errors] == ["app.env"]
    assert for_report(report) is ExitCode.INCOMPLETE


def test_different_secret_keys_give_one_notice_not_false_changes() -> None:
    data = {"app": {"env": {"TOKEN": "[secret:" + "a" * 32 + "]"}}}
    other = {"app": {"env": {"TOKEN": "[secret:" + "b" * 32 + "]"}}}
    report = build_report(snapshot_of("production", data, key_id="k1"),
                          [snapshot_of("staging", other, key_id="k2")], Policy())
    comparison = report.comparisons[0]
    assert comparison.findings == ()
    assert len(comparison.notices) == 1
    assert "FIDELITY_SECRET_KEY" in comparison.notices[0]


def test_gate_thresholds() -> None:
    assert run(fail_on=None)[0].verdict is Verdict.PASS
    assert run(fail_on=Severity.CRITICAL)[0].verdict is Verdict.PASS
    assert run(fail_on=Severity.MEDIUM)[0].verdict is Verdict.FAIL
    assert run(fail_on=None, max_score=100)[0].verdict is Verdict.PASS
    low_max = run(fail_on=None, max_score=5)[0]
    assert low_max.score > 5
    assert low_max.verdict is Verdict.FAIL


def test_exit_code_for_every_verdict(make_report: Any) -> None:
    assert for_report(make_report(fail_on=None)) is ExitCode.OK
    assert for_report(make_report()) is ExitCode.GATE_FAILED


class MeasuringProbe(FakeProbe):
    """Treats numbers as a measured distance from the reference (as data-shape probes do)."""

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        distance = abs(float(change.candidate) - float(change.reference))
        tolerance = (change.tolerance or Tolerance()).over(Tolerance(low=0.1, medium=0.3))
        return Assessment(tolerance.severity(distance), cls.category, f"distance {distance:.2f}")


def test_within_tolerance_is_no_finding_and_counts_as_matching(monkeypatch: Any) -> None:
    from fidelity.probe import registry

    types = {**registry.probe_types(), "fake": MeasuringProbe}
    monkeypatch.setattr(registry, "probe_types", lambda: types)
    ref, cand = {"m": {"a": 0.50, "b": 0.50, "c": 0.50}}, {"m": {"a": 0.55, "b": 0.70, "c": 0.95}}
    comparison, _ = run(ref=ref, cand=cand)
    assert {f.path: f.severity for f in comparison.findings} == {"m/b": Severity.LOW, "m/c": Severity.MEDIUM}
    assert (comparison.compared, comparison.matched) == (3, 1)
    loose = Rule("m/*", RuleAction.TOLERANCE, tolerance=Tolerance(low=0.25, medium=0.5))
    comparison, _ = run(rules=[loose], ref=ref, cand=cand)
    assert {f.path: f.severity for f in comparison.findings} == {"m/c": Severity.LOW}
