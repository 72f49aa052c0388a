"""The reporter interface: an AuditReport in, a string out. Only the CLI writes files."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from fidelity.model import AuditReport, FidelityError


class ReportError(FidelityError):
    """A report cannot be rendered or written; the message names the format or file."""


@dataclass(frozen=True)
class RenderOptions:
    """Presentation choices that do not change the report's content."""

    color: bool = False
    """Use ANSI colours (terminal only; the CLI sets it only on a TTY)."""
    show_ignored: bool = False
    """Show findings with status `ignored` in the human views (JSON always has them)."""
    width: int | None = None
    """Terminal width to fit tables into, or None when not writing to a terminal."""


class Reporter(abc.ABC):
    """Renders an audit report in one format."""

    @abc.abstractmethod
    def render(self, report: AuditReport, options: RenderOptions) -> str:
        """The whole document as text."""
