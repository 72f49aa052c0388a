"""Run history (`--report-dir`): one dated folder per audit, an index, new and resolved findings.

Writers serialise on a lock file; each run is written into a hidden temporary
folder and renamed into place, and the index is replaced atomically, so
overlapping cron runs never leave a half-written run or index behind.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fidelity.model import AuditReport, Comparison, Finding
from fidelity.report import RenderOptions, ReportError, ReportFormat
from fidelity.report.json import finding_from_dict

RUN_NAME_RE = re.compile(r"\A\d{8}T\d{6}(?:\.\d{6})?Z-[0-9a-f]{6}\Z")
REPORT_JSON = "report.json"
REPORT_HTML = "report.html"
INDEX = "index.html"
LOCK = ".fidelity-history.lock"
LOCK_TIMEOUT = 600.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """One readable run folder."""

    name: str
    """Folder name: UTC time and a random suffix."""
    report: dict[str, Any]
    """Its JSON report."""


@dataclass(frozen=True)
class Recorded:
    """What `record` did."""

    report: AuditReport
    """The report, with new and resolved findings marked."""
    folder: Path
    """The new run's folder."""
    previous: Run | None
    """The run before it, if any was readable."""


def run_name(now: dt.datetime | None = None) -> str:
    """A folder name that sorts by time (to the microsecond) and never collides: a random suffix."""
    now = now or dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S.%fZ") + "-" + secrets.token_hex(3)


def read_runs(directory: Path) -> list[Run]:
    """Readable runs, oldest first; unreadable run folders are skipped with a warning."""
    runs = []
    for folder in sorted(p for p in directory.iterdir() if p.is_dir() and RUN_NAME_RE.match(p.name)):
        try:
            report = json.loads((folder / REPORT_JSON).read_text(encoding="utf-8"))
            if report.get("format") != "fidelity-report" or not isinstance(report.get("comparisons"), list):
                raise ValueError("not a fidelity report")
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("history: skipping run %s: %s", folder, exc)
            continue
        runs.append(Run(folder.name, report))
    return runs


def mark_changes(report: AuditReport, previous: Run | None) -> AuditReport:
    """Mark each finding new or not, and list the previous run's findings that are gone."""
    if previous is None:
        return report
    before: dict[str, dict[str, dict[str, Any]]] = {}
    for item in previous.report["comparisons"]:
        if isinstance(item, dict) and isinstance(item.get("findings"), list):
            before[str(item.get("candidate"))] = {str(f.get("id")): f for f in item["findings"]
                                                  if isinstance(f, dict)}
    comparisons = [_mark(c, before.get(c.candidate)) for c in report.comparisons]
    return replace(report, comparisons=tuple(comparisons))


def _mark(comparison: Comparison, before: dict[str, dict[str, Any]] | None) -> Comparison:
    if before is None:  # the candidate was not in the previous run: nothing to compare with
        return comparison
    now = {f.id for f in comparison.findings}
    resolved: list[Finding] = []
    for finding_id, item in before.items():
        if finding_id in now:
            continue
        try:
            resolved.append(finding_from_dict(item))
        except (KeyError, ValueError, TypeError):
            log.warning("history: skipping an unreadable finding of the previous run")
    findings = tuple(replace(f, new=f.id not in before) for f in comparison.findings)
    return replace(comparison, findings=findings, resolved=tuple(resolved))


def record(report: AuditReport, directory: Path, keep: int | None = None) -> Recorded:
    """Add a run to the history: mark changes, write the run folder, prune, rebuild the index."""
    from filelock import FileLock, Timeout

    from fidelity.report.index import render_index
    from fidelity.snapshot import write_atomic

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with FileLock(str(directory / LOCK), timeout=LOCK_TIMEOUT):
            runs = read_runs(directory)
            previous = runs[-1] if runs else None
            marked = mark_changes(report, previous)
            name = run_name()
            staging = directory / f".tmp-{name}"
            staging.mkdir()
            options = RenderOptions()
            for fmt, filename in ((ReportFormat.JSON, REPORT_JSON), (ReportFormat.HTML, REPORT_HTML)):
                (staging / filename).write_text(fmt.reporter().render(marked, options), encoding="utf-8")
            folder = directory / name
            staging.rename(folder)
            runs = read_runs(directory)
            if keep is not None and len(runs) > keep:
                for old in runs[: len(runs) - keep]:
                    shutil.rmtree(directory / old.name, ignore_errors=True)
                runs = runs[len(runs) - keep:]
            write_atomic(directory / INDEX, render_index(runs))
    except Timeout:
        raise ReportError(f"{directory}: another fidelity run has held the history lock for "
                          f"{LOCK_TIMEOUT:.0f} s; try again later") from None
    except OSError as exc:
        raise ReportError(f"{directory}: cannot write the history: {exc.strerror or exc}") from None
    return Recorded(marked, folder, previous)
