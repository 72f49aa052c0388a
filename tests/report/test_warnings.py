"""Warnings reach every report format, survive a snapshot file, and never change the verdict."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import snapshot_of

from fidelity import snapshot
from fidelity.model import AuditReport, AuditWarning
from fidelity.policy import Policy, build_report
from fidelity.probe import ProbeWarning
from fidelity.report import RenderOptions, ReportFormat

MESSAGE = "settings.yaml: duplicate key '<b>pool</b>' at lines 3 and 5; the last one (line 5) is used"


def with_warning(report: AuditReport) -> AuditReport:
    return dataclasses.replace(report, warnings=(AuditWarning("staging", "app", "settings.yaml", MESSAGE),))


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_shows_each_warning(make_report: Callable[..., AuditReport], fmt: ReportFormat) -> None:
    base = make_report()
    plain = fmt.reporter().render(base, RenderOptions())
    shown = fmt.reporter().render(with_warning(base), RenderOptions())
    assert "duplicate key" not in plain
    assert "duplicate key" in shown
    assert "settings.yaml" in shown
    assert "lines 3 and 5" in shown
    if fmt in (ReportFormat.HTML, ReportFormat.MARKDOWN, ReportFormat.JUNIT):
        assert "<b>pool</b>" not in shown  # escaped


def test_the_json_report_lists_warnings_as_in_the_contract(make_report: Callable[..., AuditReport]) -> None:
    doc = json.loads(ReportFormat.JSON.reporter().render(with_warning(make_report()), RenderOptions()))
    assert doc["warnings"] == [{"environment": "staging", "probe": "app", "object": "settings.yaml",
                                "message": MESSAGE}]
    assert json.loads(ReportFormat.JSON.reporter().render(make_report(), RenderOptions()))["warnings"] == []


def test_warnings_travel_through_the_snapshot_file_and_never_change_the_verdict(tmp_path: Path) -> None:
    data = {"app": {"settings.yaml": {"pool": 5}}}
    reference, candidate = snapshot_of("production", data), snapshot_of("staging", data)
    warned = dataclasses.replace(candidate.probes["app"], warnings=(ProbeWarning("settings.yaml", MESSAGE),))
    candidate = dataclasses.replace(candidate, probes={"app": warned})
    snapshot.write(candidate, tmp_path / "staging.json")
    read_back = snapshot.read(tmp_path / "staging.json")
    assert read_back.probes["app"].warnings == (ProbeWarning("settings.yaml", MESSAGE),)
    quiet = build_report(reference, [reference], Policy())
    report = build_report(reference, [read_back], Policy())
    assert report.warnings == (AuditWarning("staging", "app", "settings.yaml", MESSAGE),)
    assert (report.verdict, report.errors) == (quiet.verdict, ())


def test_a_snapshot_without_warnings_still_loads_and_is_written_as_before(tmp_path: Path) -> None:
    written = snapshot.to_json(snapshot_of("staging", {"app": {"a": 1}}))
    assert "warnings" not in written["probes"]["app"]
    (tmp_path / "old.json").write_text(json.dumps(written))
    assert snapshot.read(tmp_path / "old.json").probes["app"].warnings == ()
