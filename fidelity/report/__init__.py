"""Reporters: terminal, JSON, HTML, Markdown and JUnit renderings of an audit report."""

from __future__ import annotations

import enum

from fidelity.report.interface import RenderOptions, Reporter, ReportError

__all__ = ["RenderOptions", "ReportError", "ReportFormat", "Reporter"]


class ReportFormat(str, enum.Enum):
    """The formats `--format` accepts; each member builds its reporter lazily."""

    TERMINAL = "terminal"
    JSON = "json"
    HTML = "html"
    MARKDOWN = "markdown"
    JUNIT = "junit"

    def reporter(self) -> Reporter:
        """A reporter for this format (imported on demand to keep start-up fast)."""
        if self is ReportFormat.TERMINAL:
            from fidelity.report.terminal import TerminalReporter

            return TerminalReporter()
        if self is ReportFormat.JSON:
            from fidelity.report.json import JsonReporter

            return JsonReporter()
        if self is ReportFormat.HTML:
            from fidelity.report.html import HtmlReporter

            return HtmlReporter()
        if self is ReportFormat.MARKDOWN:
            from fidelity.report.markdown import MarkdownReporter

            return MarkdownReporter()
        if self is ReportFormat.JUNIT:
            from fidelity.report.junit import JunitReporter

            return JunitReporter()
        raise AssertionError(f"unhandled format {self}")  # pragma: no cover
