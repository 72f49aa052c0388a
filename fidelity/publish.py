"""After the report is built: history, report files, CI integration and notifications."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from fidelity import ci, output
from fidelity.config import Config, ConfigError, interpolate
from fidelity.model import AuditReport
from fidelity.report import ReportFormat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publishing:
    """Where an audit's results go, decided before anything is probed."""

    targets: list[output.Target]
    """Report formats and their files."""
    history_dir: Path | None
    """History folder, or None."""
    keep: int | None
    """Runs to keep in the history."""
    webhook: str | None
    """Interpolated webhook URL, or None when not notifying."""
    show_ignored: bool
    """Show ignored findings in human views."""
    color: bool | None
    """Colour override."""


def prepare(config: Config, formats: Sequence[str], outputs: Sequence[str], inputs: Sequence[Path],
            report_dir: str | None, show_ignored: bool, color: bool | None) -> Publishing:
    """Check outputs, history and webhook settings; raises usage or config errors before probing."""
    targets = output.plan(formats, outputs, inputs)
    history_dir = Path(report_dir) if report_dir else (config.history.dir if config.history else None)
    webhook = None
    if config.notify is not None:
        webhook = interpolate(config.notify.webhook, "[notify] webhook", config.file)
        if not webhook.lower().startswith(("https://", "http://")):
            raise ConfigError(config.file, "[notify] webhook", "expected an http(s) URL")
    keep = config.history.keep if config.history else None
    return Publishing(targets, history_dir, keep, webhook, show_ignored, color)


def publish(report: AuditReport, config: Config, plan: Publishing) -> AuditReport:
    """Record history, write reports, talk to CI and notify; returns the report as published."""
    previous_verdict: str | None = None
    if plan.history_dir is not None:
        from fidelity import history

        recorded = history.record(report, plan.history_dir, plan.keep)
        report = recorded.report
        previous_verdict = str(recorded.previous.report.get("verdict")) if recorded.previous else None
        click.echo(f"recorded run {recorded.folder} (index: {plan.history_dir / history.INDEX})", err=True)
    output.emit(report, plan.targets, plan.show_ignored, plan.color)
    stdout_has_report = any(t.path is None for t in plan.targets)
    if not stdout_has_report:
        from fidelity.report.terminal import summary_line

        click.echo(summary_line(report), err=True)
    machine_stdout = any(t.path is None and t.format is not ReportFormat.TERMINAL for t in plan.targets)
    ci.publish(report, machine_stdout, sys.stdout, sys.stderr)
    if plan.webhook is not None and config.notify is not None:
        from fidelity import notify

        if notify.should_send(config.notify.when, report, previous_verdict):
            message = notify.build_message(report, config.notify.report_url)
            if notify.post(plan.webhook, message, config.notify.timeout):
                log.info("notification sent")
    return report
