"""Paths in the terminal report: the end of a long path, where paths differ, and COLUMNS honoured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fidelity.model import AuditReport
from fidelity.publish.targets import Target, emit, stdout_width
from fidelity.report import RenderOptions, ReportFormat
from fidelity.report.terminal import CELL_LIMIT, TerminalReporter, path_cell

PREFIX = "app/objects/namespace/Deployment/frontend-checkout-service"


def _deployment(replicas: int, history: int, image: str) -> dict[str, Any]:
    spec = {"replicas": replicas, "revisionHistoryLimit": history,
            "template": {"spec": {"containers": {"web": {"image": image}}}}}
    return {"app": {"objects": {"namespace": {"Deployment": {"frontend-checkout-service": {"spec": spec}}}}}}


@pytest.fixture
def deep_report(make_report: Callable[..., AuditReport]) -> AuditReport:
    return make_report(reference=_deployment(3, 10, "web:1"), candidate=_deployment(2, 5, "web:2"))


def test_long_paths_keep_their_end_so_that_findings_under_one_object_differ(deep_report: AuditReport) -> None:
    out = TerminalReporter().render(deep_report, RenderOptions())
    cells = [line.split()[3] for line in out.splitlines() if line.startswith(("low", "medium", "high"))]
    assert len(cells) == 3
    assert len(set(cells)) == 3
    assert all(cell.startswith("…/") and len(cell) <= CELL_LIMIT for cell in cells)
    assert "…/Deployment/frontend-checkout-service/spec/replicas" in cells
    assert any(cell.endswith("/containers/web/image") for cell in cells)


@pytest.mark.parametrize(("path", "limit", "shown"), [
    ("a/b/c", 60, "a/b/c"),
    ("k8s/objects/namespace/Deployment/frontend/spec/replicas", 30, "…/frontend/spec/replicas"),
    ("k8s/" + "x" * 80, 20, "…" + "x" * 19),
    ("a/b\x1b[2J/c" + "/d" * 40, 12, "…/d/d/d/d/d"),
])
def test_path_cell_keeps_whole_segments_at_the_end(path: str, limit: int, shown: str) -> None:
    assert path_cell(path, limit) == shown
    assert len(path_cell(path, limit)) <= limit


def test_columns_is_honoured_even_when_stdout_is_a_pipe(deep_report: AuditReport,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    assert stdout_width() == 300
    emit(deep_report, [Target(ReportFormat.TERMINAL, None)], show_ignored=False, color=False)
    out = capsys.readouterr().out
    assert f"{PREFIX}/spec/replicas" in out
    assert f"{PREFIX}/spec/template/spec/containers/web/image" in out


@pytest.mark.parametrize("columns", [None, "", "wide", "0"])
def test_without_a_usable_columns_a_pipe_gets_the_fixed_limits(monkeypatch: pytest.MonkeyPatch,
                                                               columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert stdout_width() is None  # pytest captures stdout: not a TTY
