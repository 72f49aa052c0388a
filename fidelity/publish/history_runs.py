"""The runs of a history folder: their names, and reading each run's JSON report back."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUN_NAME_RE = re.compile(r"\A\d{8}T\d{6}(?:\.\d{6})?Z-[0-9a-f]{6}\Z")
REPORT_JSON = "report.json"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Run:
    """One readable run folder."""

    name: str
    """Folder name: UTC time and a random suffix."""
    report: dict[str, Any]
    """Its JSON report."""


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
        except (OSError, ValueError, AttributeError, RecursionError) as exc:
            log.warning("history: skipping run %s: %s", folder, exc)
            continue
        runs.append(Run(folder.name, report))
    return runs
