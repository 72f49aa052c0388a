"""The history index: a table of runs and an inline SVG trend of score and fidelity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fidelity.model import Severity
from fidelity.publish.history_runs import Run
from fidelity.report.jinja import template

TEMPLATE = "history_index.html.j2"
WIDTH, HEIGHT, PAD = 720, 220, 36


@dataclass(frozen=True)
class RunRow:
    """One run as the index lists it."""

    name: str
    """Folder name."""
    generated_at: str
    """When the report was made."""
    verdict: str
    """Overall verdict."""
    errors: int
    """Number of gaps."""
    comparisons: list[dict[str, Any]]
    """Per candidate: name, verdict, score, fidelity, open counts."""


@dataclass(frozen=True)
class Trend:
    """One candidate's chart: SVG polyline points for score and fidelity."""

    candidate: str
    """Candidate name."""
    score_points: str
    """'x,y x,y ...' for the score line."""
    fidelity_points: str
    """'x,y ...' for the fidelity line."""
    max_score: int
    """Top of the score axis."""
    runs: int
    """Number of runs plotted."""
    first: str
    """When the oldest plotted run was made, labelling the left end of the time axis."""
    last: str
    """When the newest plotted run was made, labelling the right end."""
    marks: list[tuple[float, float, str]]
    """One (x, y, tooltip) per run on the score line: when, score and fidelity."""


def _row(run: Run) -> RunRow:
    comparisons = []
    for item in run.report.get("comparisons", []):
        if not isinstance(item, dict):
            continue
        open_counts = (item.get("counts") or {}).get("open") or {}
        comparisons.append({
            "candidate": str(item.get("candidate", "?")),
            "verdict": str(item.get("verdict", "?")),
            "score": item.get("score", 0),
            "fidelity": float(item.get("fidelity") or 0.0),
            "open": {s.value: int(open_counts.get(s.value, 0) or 0) for s in Severity},
        })
    return RunRow(run.name, str(run.report.get("generated_at", "")), str(run.report.get("verdict", "?")),
                  len(run.report.get("errors") or []), comparisons)


def _trends(rows: list[RunRow]) -> list[Trend]:
    names = list(dict.fromkeys(c["candidate"] for row in rows for c in row.comparisons))
    trends = []
    for name in names:
        series = [(i, c) for i, row in enumerate(rows) for c in row.comparisons if c["candidate"] == name]
        top = max([int(c["score"] or 0) for _, c in series] + [1])
        step = (WIDTH - 2 * PAD) / max(len(rows) - 1, 1)

        def y(value: float, maximum: float) -> float:
            return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * value / maximum, 1)

        score = " ".join(f"{round(PAD + i * step, 1)},{y(float(c['score'] or 0), top)}" for i, c in series)
        fidelity = " ".join(f"{round(PAD + i * step, 1)},{y(c['fidelity'], 1.0)}" for i, c in series)
        marks = [(round(PAD + i * step, 1), y(float(c["score"] or 0), top),
                  f"{_when(rows[i])}: score {c['score']}, fidelity {c['fidelity']:.1%}") for i, c in series]
        trends.append(Trend(name, score, fidelity, top, len(series), _when(rows[series[0][0]]),
                            _when(rows[series[-1][0]]), marks))
    return trends


def _when(row: RunRow) -> str:
    """A run's time for an axis label: `2026-11-27 05:31` (as generated, UTC), or its folder name."""
    return row.generated_at[:16].replace("T", " ") if row.generated_at else row.name


def render_index(runs: list[Run]) -> str:
    """index.html for the runs, newest first in the table, oldest first in the chart."""
    rows = [_row(run) for run in runs]
    return template(TEMPLATE).render(rows=list(reversed(rows)), trends=_trends(rows), width=WIDTH,
                                     height=HEIGHT, pad=PAD, severities=[s.value for s in Severity])
