"""After the report is built: history, report files, CI integration and notifications."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fidelity.config import Config, ConfigError, interpolate
from fidelity.model import AuditReport
from fidelity.publish import github
from fidelity.publish.errors import PublishError
from fidelity.publish.targets import Target, emit, pair_targets
from fidelity.report import ReportFormat

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publishing:
    """Where an audit's results go, decided before anything is probed."""

    targets: list[Target]
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
    targets = pair_targets(formats, outputs, inputs)
    history_dir = Path(report_dir) if report_dir else (config.history.dir if config.history else None)
    webhook = None
    if config.notify is not None:
        webhook = interpolate(config.notify.webhook, "[notify] webhook", config.file)
        problem = webhook_url_problem(webhook)
        if problem:
            raise ConfigError(config.file, "[notify] webhook", problem)
    keep = config.history.keep if config.history else None
    _make_folders([t.path.parent for t in targets if t.path is not None], "report")
    if history_dir is not None:
        _make_folders([history_dir], "history")
    return Publishing(targets, history_dir, keep, webhook, show_ignored, color)


def _make_folders(folders: Sequence[Path], what: str) -> None:
    """Create the folders reports go to before anything is probed, so an unwritable one costs no probing."""
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PublishError(f"{folder}: cannot write the {what}: {exc.strerror or exc}") from None


def webhook_url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook (never echoing it: its path is a secret), or None."""
    if not url or any(c.isspace() or not c.isprintable() for c in url):
        return "expected an http(s) URL without spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme.lower() not in ("http", "https"):
        scheme = f"{parts.scheme!r}" if parts.scheme else "none"
        return f"expected an http:// or https:// URL (scheme is {scheme})"
    if not parts.hostname:
        return "expected an http(s) URL with a host name"
    return None


def publish(report: AuditReport, config: Config, publishing: Publishing) -> AuditReport:
    """Record history, write reports, talk to CI and notify; returns the report as published."""
    previous_verdict: str | None = None
    if publishing.history_dir is not None:
        from fidelity.publish import history

        recorded = history.record(report, publishing.history_dir, publishing.keep)
        report = recorded.report
        previous_verdict = str(recorded.previous.report.get("verdict")) if recorded.previous else None
        index = publishing.history_dir / history.INDEX
        print(f"recorded run {recorded.folder} (index: {index})", file=sys.stderr)
    emit(report, publishing.targets, publishing.show_ignored, publishing.color)
    stdout_has_report = any(t.path is None for t in publishing.targets)
    if not stdout_has_report:
        from fidelity.report.terminal import summary_line

        print(summary_line(report), file=sys.stderr)
    machine_stdout = any(t.path is None and t.format is not ReportFormat.TERMINAL
                         for t in publishing.targets)
    github.announce(report, machine_stdout, sys.stdout, sys.stderr)
    if publishing.webhook is not None and config.notify is not None:
        _notify(report, config, publishing.webhook, previous_verdict)
    return report


def _notify(report: AuditReport, config: Config, url: str, previous_verdict: str | None) -> None:
    """Post the notification; whatever happens, warn and leave the exit code as it is."""
    assert config.notify is not None
    try:
        from fidelity.publish import webhook

        if webhook.should_send(config.notify.when, report, previous_verdict):
            message = webhook.build_message(report, config.notify.report_url)
            if webhook.post(url, message, config.notify.timeout):
                log.info("notification sent")
    except Exception as exc:
        log.warning("notification failed (%s); the audit result is unchanged", type(exc).__name__)
