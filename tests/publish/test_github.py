"""GitHub Actions: the job summary gets the Markdown report; annotations never pollute stdout formats."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import DEMO, fidelity

from fidelity.publish.github import workflow_commands


def test_step_summary_is_appended(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"), env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")
    assert "## fidelity: FAIL" in text


def test_annotations_go_to_stderr_when_stdout_is_json() -> None:
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"), "--format", "json",
                      env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": ""})
    json.loads(result.stdout)  # still exactly one JSON document
    errors = [line for line in result.stderr.splitlines() if line.startswith("::error ")]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("::warning ")]
    assert len(errors) == 4  # the four open high findings fail the gate
    assert len(warnings) == 15  # the other open findings
    assert any("deps/requirements.txt/packages/redis" in line for line in errors)


def test_annotations_follow_the_terminal_report_on_stdout() -> None:
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"), env={"GITHUB_ACTIONS": "true"})
    assert "::error title=fidelity staging%3A deps/requirements.txt/packages/redis::" in result.stdout
    assert "::error" not in result.stderr


def test_annotation_text_is_escaped(make_report: object) -> None:
    report = make_report()  # type: ignore[operator]
    lines = workflow_commands(report)
    assert lines
    for line in lines:
        assert "\n" not in line
    assert any("%0A" not in line and "~1" in line for line in lines)
    hostile = [line for line in lines if "script" in line]
    assert hostile
    assert all(":" not in line.split("title=", 1)[1].split("::", 1)[0] for line in hostile)
