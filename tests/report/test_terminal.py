"""The terminal report as a person at a shell reads it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from builders import errored_report, recategorized
from conftest import REFERENCE_DATA

from fidelity.model import AuditReport, Category, Status
from fidelity.report import RenderOptions
from fidelity.report.terminal import TerminalReporter

ESC = "\x1b"


def render(report: AuditReport, **options: bool) -> str:
    return TerminalReporter().render(report, RenderOptions(**options))


def test_first_line_summarises_verdict_score_fidelity_and_counts(sample_report: AuditReport) -> None:
    first = render(sample_report).splitlines()[0]
    assert first.startswith("FAIL ")
    for part in ("production", "staging", "score 23", "fidelity 12.5%", "1 high", "3 medium", "1 low"):
        assert part in first
    assert "INCOMPLETE" not in first


def test_incomplete_audit_says_so_first_and_lists_each_error() -> None:
    out = render(errored_report())
    assert out.splitlines()[0].startswith("ERROR ")
    assert "INCOMPLETE: 1 error(s)" in out.splitlines()[0]
    errors = out.split("Errors (audit incomplete)")[1]
    assert "staging / db: connection refused" in errors


def test_findings_are_grouped_under_a_heading_per_category(sample_report: AuditReport) -> None:
    report = recategorized(sample_report, "WORKERS", Category.INFRASTRUCTURE)
    out = render(report)
    config, infrastructure = out.split("-- config (5)")[1].split("-- infrastructure (1)")
    assert "app/app.env/NEW_FLAG" in config
    assert "WORKERS" not in config
    assert "app/app.env/WORKERS" in infrastructure


def test_colour_only_when_asked(sample_report: AuditReport) -> None:
    assert ESC not in render(sample_report)
    assert ESC not in render(errored_report())  # the error message itself carries an ESC byte
    assert ESC in render(sample_report, color=True)


def test_ignored_findings_are_hidden_unless_asked(sample_report: AuditReport) -> None:
    hidden = render(sample_report)
    assert "db.staging.internal" not in hidden
    assert "1 ignored finding(s) hidden; use --show-ignored" in hidden
    shown = render(sample_report, show_ignored=True)
    assert "db.staging.internal" in shown
    assert "hidden" not in shown


def test_expected_findings_show_their_reason(sample_report: AuditReport) -> None:
    row = next(line for line in render(sample_report).splitlines() if "LOG_LEVEL" in line)
    assert "expected" in row
    assert "verbose logging in staging" in row


def test_expired_rules_are_listed(sample_report: AuditReport) -> None:
    assert "rule 'app/**/FEATURE_X' expired on 2026-01-01 and no longer applies" in render(sample_report)


def test_long_and_multiline_values_keep_the_table_intact(make_report: Callable[..., AuditReport]) -> None:
    candidate = {"app": {"app.env": {"A": "x" * 500, "B": "line1\nline2\r\n\tline3"}}}
    out = render(make_report(reference={"app": {"app.env": {"A": "a", "B": "b"}}}, candidate=candidate))
    rows = [line for line in out.splitlines() if "app/app.env/" in line]
    assert len(rows) == 2
    assert "x" * 60 not in out
    assert "x" * 58 + "…" in out
    assert "line1 line2 line3" in out


def test_clean_pass_says_no_drift(make_report: Callable[..., AuditReport]) -> None:
    out = render(make_report(candidate=REFERENCE_DATA))
    assert out.startswith("PASS ")
    assert "No drift found" in out


def test_covered_findings_are_hidden_and_counted_unless_asked(sample_report: AuditReport) -> None:
    """A finding another one reports the cause of (a partition's copy of its parent's column) is left
    out of the terminal's tables, and counted beside the ignored ones."""
    (comparison,) = sample_report.comparisons
    first = next(f for f in comparison.findings if f.status is Status.OPEN)
    covering = replace(first, status=Status.COVERED, path=first.path + "_partition_7",
                       message="covered by the same change at its parent public.events")
    findings = (*comparison.findings, covering)
    report = replace(sample_report, comparisons=(replace(comparison, findings=findings),))
    hidden = render(report)
    assert "_partition_7" not in hidden
    assert "1 ignored, 1 covered finding(s) hidden; use --show-ignored" in hidden
    shown = render(report, show_ignored=True)
    assert "_partition_7" in shown
    assert "covered" in shown
