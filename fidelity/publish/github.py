"""GitHub Actions integration: the job summary and workflow-command annotations."""

from __future__ import annotations

import os
from typing import TextIO

from fidelity.model import AuditReport, Severity, Status
from fidelity.policy import fails_gate

MAX_ANNOTATIONS = 50


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_commands(report: AuditReport) -> list[str]:
    """`::error` for open findings that fail the gate, `::warning` for other open ones."""
    lines = []
    for comparison in report.comparisons:
        for finding in comparison.findings:
            if finding.status is not Status.OPEN:
                continue
            failing = fails_gate(finding, report.fail_on)
            level = "error" if failing or finding.severity is Severity.CRITICAL else "warning"
            title = _property(f"fidelity {comparison.candidate}: {finding.path}")
            lines.append(f"::{level} title={title}::{_data(f'[{finding.severity.value}] {finding.message}')}")
    for error in report.errors:
        title = _property(f"fidelity {error.environment}/{error.probe}: audit incomplete")
        lines.append(f"::error title={title}::{_data(error.message)}")
    if len(lines) > MAX_ANNOTATIONS:
        lines = [*lines[:MAX_ANNOTATIONS], f"::notice::{len(lines) - MAX_ANNOTATIONS} more annotation(s) "
                 "left out; see the report"]
    return lines


def announce(report: AuditReport, machine_stdout: bool, stdout: TextIO, stderr: TextIO) -> None:
    """Append the Markdown report to $GITHUB_STEP_SUMMARY and print annotations under Actions.

    Annotations go to stderr when stdout carries a machine format (JSON, JUnit,
    Markdown, HTML), so it is never mixed with them; the runner reads both streams.
    """
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        from fidelity.report import RenderOptions, ReportFormat

        text = ReportFormat.MARKDOWN.reporter().render(report, RenderOptions())
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    if os.environ.get("GITHUB_ACTIONS") == "true":
        stream = stderr if machine_stdout else stdout
        for line in workflow_commands(report):
            print(line, file=stream)
