"""Shared by the whole-process benchmarks: run a command as a child process, interleave subject and
anchor runs, take medians, and print one table of ratios.

Every time here is a whole process (start-up, imports, parsing, output), measured from the parent
with `time.perf_counter` around spawn and exit. Peak memory is the child's own maximum resident
set, as `/usr/bin/time -f %M` reports it: on Linux a child's `ru_maxrss` (from `os.wait4` or
`RUSAGE_CHILDREN`) starts at the RSS of the process that spawned it, so a benchmark process that
built large inputs would inflate every reading; `time` is a small fresh process in between.
Without `/usr/bin/time`, `os.wait4`'s figure is used (an upper bound).

Children run with their bytecode cached, as an installed program does (pip compiles it): a
PYTHONDONTWRITEBYTECODE in the benchmark's own environment is not passed on, so the warm-up run
writes the caches and no timed run compiles Python source.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
#: `fidelity` as users run it: the console script of the interpreter running the benchmarks.
TIME = Path("/usr/bin/time")
FIDELITY = [str(Path(sys.executable).with_name("fidelity"))]
if not Path(FIDELITY[0]).is_file():  # not installed as a script: the module form starts the same code
    FIDELITY = [sys.executable, "-m", "fidelity"]


@dataclass(frozen=True)
class Run:
    """One finished child process."""

    seconds: float
    """Wall time from spawn to exit, as seen by the parent."""
    peak_mb: float
    """The child's maximum resident set size."""
    code: int
    """Exit code."""
    stdout: str
    """Everything it printed."""
    stderr: list[tuple[float, str]]
    """Each stderr line with its arrival time in seconds since spawn."""

    def stderr_text(self) -> str:
        return "".join(line for _, line in self.stderr)


def run_process(argv: Sequence[str], *, ok: Sequence[int] = (0,), env: Mapping[str, str] | None = None,
                cwd: Path = ROOT) -> Run:
    """Run `argv` to completion; raise with its stderr when the exit code is not in `ok`."""
    child_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    child_env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, \
            tempfile.NamedTemporaryFile("r", encoding="utf-8", suffix=".rss") as rss:
        command = [str(TIME), "-f", "%M", "-o", rss.name, *argv] if TIME.is_file() else list(argv)
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=child_env, text=True, bufsize=1)
        assert proc.stderr is not None
        lines = [(time.perf_counter() - start, line) for line in proc.stderr]  # stamped as they arrive
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so that Popen does not wait
        proc.stderr.close()
        out.seek(0)
        measured = rss.read().split()  # `time` adds a line when the child is killed by a signal
        peak_kb = int(measured[-1]) if measured and measured[-1].isdigit() else usage.ru_maxrss
        run = Run(seconds, peak_kb / 1024, proc.returncode, out.read(), lines)
    if run.code not in ok:
        raise RuntimeError(f"{' '.join(argv)} exited {run.code}:\n{run.stderr_text()[-2000:]}")
    return run


Side = Callable[[], Run]


def interleave(runs: int, *sides: Side, warmup: bool = True) -> list[list[Run]]:
    """Run every side once to warm caches, then `runs` rounds of each side in turn (A B C, A B C, ...),
    so that a burst of load elsewhere on the machine hits every side alike."""
    if warmup:
        for side in sides:
            side()
    samples: list[list[Run]] = [[] for _ in sides]
    for _ in range(runs):
        for i, side in enumerate(sides):
            samples[i].append(side())
    return samples


def median(runs: Sequence[Run], field: str = "seconds") -> float:
    value: float = statistics.median(float(getattr(r, field)) for r in runs)
    return value


@dataclass(frozen=True)
class Row:
    """One line of the summary table: subject / anchor against a target ratio."""

    benchmark: str
    subject: float
    """Median of the subject (seconds, or MB when unit is MB)."""
    anchor: float | None
    """Median of the anchor, None when the row has none."""
    target: float | None
    """Largest acceptable ratio subject / anchor, None for no target."""
    anchor_name: str = ""
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.subject / self.anchor if self.anchor else None

    def passed(self, smoke: bool) -> bool | None:
        if self.target is None or self.ratio is None or smoke:
            return None  # smoke sizes are too small for a target to mean anything
        return self.ratio <= self.target

    def finite(self) -> bool:
        return all(math.isfinite(v) for v in (self.subject, self.anchor, self.ratio) if v is not None)


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} MB" if unit == "MB" else f"{value:,.3f} s"


def table(rows: Sequence[Row], smoke: bool) -> str:
    """The summary table, one line per row, with every ratio."""
    verdicts = {True: "pass", False: "FAIL", None: "-"}
    lines = [(r.benchmark, _value(r.subject, r.unit), _value(r.anchor, r.unit), r.anchor_name or "-",
              f"{r.ratio:.3f}x" if r.ratio is not None else "-",
              f"<= {r.target:g}x" if r.target is not None else "-", verdicts[r.passed(smoke)])
             for r in rows]
    return tabulate(lines, headers=("benchmark", "subject (median)", "anchor (median)", "anchor is",
                                    "ratio", "target", "result"), tablefmt="github")


@dataclass(frozen=True)
class Skipped:
    """A benchmark that could not run here, and why."""

    benchmark: str
    reason: str
