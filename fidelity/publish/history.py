"""Run history (`--report-dir`): one dated folder per audit, an index, new and resolved findings.

Writers serialise on a lock file; each run is written into a hidden temporary
folder and renamed into place, and the index is replaced atomically, so
overlapping cron runs never leave a half-written run or index behind. A run killed
mid-write (SIGKILL) leaves its `.tmp-*` folder; the next run removes it once it is
older than the lock's lifetime. A run that fails while writing (a full disk) removes its own.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from fidelity.files import write_atomic
from fidelity.model import AuditReport
from fidelity.publish.errors import PublishError
from fidelity.publish.history_index import render_index
from fidelity.publish.history_marks import mark_changes
from fidelity.publish.history_runs import REPORT_JSON, Run, read_runs, run_name
from fidelity.report import RenderOptions, ReportFormat

REPORT_HTML = "report.html"
INDEX = "index.html"
LOCK = ".fidelity-history.lock"
LOCK_TIMEOUT = 600.0
STAGING_PREFIX = ".tmp-"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recorded:
    """What `record` did."""

    report: AuditReport
    """The report, with new and resolved findings marked."""
    folder: Path
    """The new run's folder."""
    previous: Run | None
    """The run before it, if any was readable."""


#: What tells an index.html that fidelity wrote (the generator tag; older versions' title) from a user's.
_OURS = (b'<meta name="generator" content="fidelity history index">', b"<title>fidelity history (")


def _check_index_is_ours(index: Path) -> None:
    """Refuse a report folder whose index.html fidelity did not write: rebuilding it would replace it."""
    try:
        with index.open("rb") as file:
            head = file.read(4096)
    except FileNotFoundError:
        return
    if not any(mark in head for mark in _OURS):
        raise PublishError(f"{index}: exists and was not written by fidelity; give --report-dir a folder "
                           "of its own (or move the file away)")


def record(report: AuditReport, directory: Path, keep: int | None = None) -> Recorded:
    """Add a run to the history: mark changes, write the run folder, prune, rebuild the index."""
    try:
        _check_index_is_ours(directory / INDEX)  # before the folder holds anything of fidelity's
        directory.mkdir(parents=True, exist_ok=True)
        with FileLock(str(directory / LOCK), timeout=LOCK_TIMEOUT):
            remove_stale_staging(directory)
            runs = read_runs(directory)
            previous = runs[-1] if runs else None
            marked = mark_changes(report, previous)
            name = run_name()
            staging = directory / f"{STAGING_PREFIX}{name}"
            staging.mkdir()
            folder = directory / name
            try:
                options = RenderOptions()
                for fmt, filename in ((ReportFormat.JSON, REPORT_JSON), (ReportFormat.HTML, REPORT_HTML)):
                    (staging / filename).write_text(fmt.reporter().render(marked, options), encoding="utf-8")
                staging.rename(folder)
            except BaseException:  # a full disk, a quota, a crash: no half-written run is left behind
                shutil.rmtree(staging, ignore_errors=True)
                raise
            runs = read_runs(directory)
            if keep is not None and len(runs) > keep:
                for old in runs[: len(runs) - keep]:
                    shutil.rmtree(directory / old.name, ignore_errors=True)
                runs = runs[len(runs) - keep:]
            write_atomic(directory / INDEX, render_index(runs))
    except Timeout:
        raise PublishError(f"{directory}: another fidelity run has held the history lock for "
                          f"{LOCK_TIMEOUT:.0f} s; try again later") from None
    except OSError as exc:
        raise PublishError(f"{directory}: cannot write the history: {exc.strerror or exc}") from None
    return Recorded(marked, folder, previous)


def remove_stale_staging(directory: Path, now: float | None = None) -> list[Path]:
    """Remove `.tmp-*` folders (and temporary index files) older than the lock's lifetime.

    They are left by runs that were killed (SIGKILL) while writing. Called under the lock;
    anything that old cannot belong to a run still writing.
    """
    limit = (time.time() if now is None else now) - LOCK_TIMEOUT
    removed = []
    for entry in [*directory.glob(f"{STAGING_PREFIX}*"), *directory.glob(f".{INDEX}.*.tmp")]:
        try:
            stale = entry.lstat().st_mtime < limit
            if stale and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
                removed.append(entry)
            elif stale and entry.name.endswith(".tmp"):
                entry.unlink()
                removed.append(entry)
        except OSError as exc:
            log.warning("%s: cannot remove a stale temporary folder: %s", entry, exc.strerror or exc)
    return removed
