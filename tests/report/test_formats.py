"""Every `--format` value builds a reporter that renders any report to text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from builders import errored_report, other_key_report
from conftest import REFERENCE_DATA

from fidelity.model import AuditReport
from fidelity.report import RenderOptions, Reporter, ReportFormat


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_renders(fmt: ReportFormat, sample_report: AuditReport,
                              make_report: Callable[..., AuditReport]) -> None:
    reporter = fmt.reporter()
    assert isinstance(reporter, Reporter)
    for report in (sample_report, errored_report(), make_report(candidate=REFERENCE_DATA)):
        for options in (RenderOptions(), RenderOptions(color=True, show_ignored=True)):
            out = reporter.render(report, options)
            assert isinstance(out, str)
            assert out.strip()
            assert out.endswith("\n")


@pytest.mark.parametrize("fmt", [ReportFormat.TERMINAL, ReportFormat.HTML, ReportFormat.MARKDOWN])
def test_human_formats_show_comparison_notices(fmt: ReportFormat) -> None:
    out = fmt.reporter().render(other_key_report(), RenderOptions())
    assert "1 secret value(s) could not be compared" in out
