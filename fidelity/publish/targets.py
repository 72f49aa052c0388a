"""Report targets: pairing --format with -o, then rendering each and writing it to its file or stdout."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fidelity.config.inputs import check_outputs
from fidelity.files import write_atomic
from fidelity.model import AuditReport, UsageError
from fidelity.publish.errors import PublishError
from fidelity.report import RenderOptions, ReportFormat

STDOUT = "-"
log = logging.getLogger(__name__)
_BY_EXTENSION = {
    ".json": ReportFormat.JSON,
    ".html": ReportFormat.HTML,
    ".htm": ReportFormat.HTML,
    ".md": ReportFormat.MARKDOWN,
    ".markdown": ReportFormat.MARKDOWN,
    ".xml": ReportFormat.JUNIT,
}


@dataclass(frozen=True)
class Target:
    """One report to produce."""

    format: ReportFormat
    """Report format."""
    path: Path | None
    """File to write, or None for stdout."""


def pair_targets(formats: Sequence[str], outputs: Sequence[str], inputs: Sequence[Path] = ()) -> list[Target]:
    """Pair formats with outputs by position; raise UsageError on any mismatch.

    Without --format, each -o path's extension picks its format (.json, .html, .md,
    .xml; anything else is the terminal format).
    """
    if not formats and outputs:
        formats = [_BY_EXTENSION.get(Path(o).suffix.lower(), ReportFormat.TERMINAL).value
                   if o != STDOUT else ReportFormat.TERMINAL.value for o in outputs]
    if not formats:
        formats = [ReportFormat.TERMINAL.value]
    if outputs and len(outputs) != len(formats):
        raise UsageError(f"{len(formats)} --format value(s) but {len(outputs)} -o value(s); "
                               "they pair up by position (use -o - for stdout)")
    paths: list[Path | None] = [None if o == STDOUT else Path(o) for o in outputs] or [None] * len(formats)
    if sum(p is None for p in paths) > 1:
        raise UsageError("at most one format may go to stdout; give the others an -o FILE")
    check_outputs([p for p in paths if p is not None], inputs)
    return [Target(ReportFormat(f), p) for f, p in zip(formats, paths, strict=True)]


def stdout_width() -> int | None:
    """The width to fit stdout's tables to: `COLUMNS` when set, even for a pipe (whoever set it
    asked for that width), else the terminal's width on a TTY, else None (fixed column limits)."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not sys.stdout.isatty():
        return None
    import shutil  # here: a report written to a file or a pipe does not need it (nor bz2, lzma)

    return shutil.get_terminal_size().columns


def emit(report: AuditReport, targets: Sequence[Target], show_ignored: bool, color: bool | None) -> None:
    """Render each target and write it to its file or to stdout.

    A target that fails (a write error, or a bug in its reporter) does not stop the others:
    the first failure is raised once every other target has been written.
    """
    failure: Exception | None = None
    for target in targets:
        try:
            _emit_one(report, target, show_ignored, color)
        except Exception as exc:
            failure = failure or exc
    if failure is not None:
        raise failure


def _emit_one(report: AuditReport, target: Target, show_ignored: bool, color: bool | None) -> None:
    use_color = (color if color is not None else _stdout_wants_color()) and target.path is None
    width = stdout_width() if target.path is None else None
    started = time.perf_counter()
    text = target.format.reporter().render(report, RenderOptions(use_color, show_ignored, width))
    rendered = time.perf_counter()
    if target.path is None:
        try:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")
            sys.stdout.flush()
        except OSError as exc:  # a full device (> /dev/full); a closed pipe ends the run as usual
            if isinstance(exc, BrokenPipeError):
                raise
            raise PublishError(f"stdout: cannot write the {target.format.value} report: "
                               f"{exc.strerror or exc}") from None
        _log_times(target, started, rendered)
        return
    try:
        target.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target.path, text)
    except OSError as exc:
        raise PublishError(f"{target.path}: cannot write the {target.format.value} report: "
                          f"{exc.strerror or exc}") from None
    _log_times(target, started, rendered)
    print(f"wrote {target.format.value} report to {target.path}", file=sys.stderr)


def _log_times(target: Target, started: float, rendered: float) -> None:
    """Log a report's render and write times at INFO (shown with -v)."""
    log.info("time: %s report: render %.3f s, write %.3f s (%s)", target.format.value, rendered - started,
             time.perf_counter() - rendered, target.path or "stdout")


def _stdout_wants_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
