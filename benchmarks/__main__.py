"""`python -m benchmarks`: the commands users run, timed as whole processes, in one table of ratios.

Each row runs its subject and its anchor in the same run, interleaved, and reports medians of
`--runs` runs (default 5) after one warm-up of each. `--smoke` uses tiny sizes (for the test suite;
no target is judged then); `--only NAME` runs some benchmarks, and the optional ones (`majors`).
Exits 1 when a full-size row misses its target. The machine's load changes wall times; the ratios
are what to compare across runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.harness import Row, Skipped, table

BENCHMARKS = ("audit", "snapshot", "diff", "stages", "startup", "html")
#: Run only when asked for with --only: they start servers of several PostgreSQL majors.
OPTIONAL = ("majors",)


def _run(name: str, folder: Path, smoke: bool, runs: int) -> tuple[list[Row], list[str]]:
    """The rows of one benchmark, and the extra lines it prints under the table."""
    if name == "audit":
        from benchmarks import cli_audit_bench

        found = cli_audit_bench.rows(folder, smoke, runs)
    elif name == "snapshot":
        from benchmarks import cli_snapshot_bench

        found = cli_snapshot_bench.rows(folder, smoke, runs)
    elif name == "diff":
        from benchmarks import cli_diff_bench

        found = cli_diff_bench.rows(folder, smoke, runs)
    elif name == "stages":
        from benchmarks import cli_stages_bench

        stages = cli_stages_bench.rows(folder, smoke, runs)
        return stages.rows, stages.lines
    elif name == "majors":
        from benchmarks import cli_snapshot_majors_bench

        majors = cli_snapshot_majors_bench.rows(folder, smoke, runs)
        if isinstance(majors, Skipped):
            return [], [f"skipped {majors.benchmark}: {majors.reason}"]
        found = majors
    elif name == "startup":
        from benchmarks import cli_startup_bench

        found = cli_startup_bench.rows(smoke, runs)
    else:
        from benchmarks import html_bench

        result = html_bench.rows(folder, smoke, runs)
        if isinstance(result, Skipped):
            return [], [f"skipped {result.benchmark}: {result.reason}"]
        found = result
    return found, [f"{r.benchmark}: {r.note}" for r in found if r.note]


def main(argv: list[str] | None = None, out: Callable[[str], object] = print) -> int:
    """Run the benchmarks and print the table; 0 when every judged row passes."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; no target is judged")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side (median; default 5)")
    parser.add_argument("--only", action="append", choices=BENCHMARKS + OPTIONAL,
                        help="run only this benchmark (majors: 2,000 tables on PostgreSQL 14, 15 and 18)")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    notes: list[str] = []
    for name in args.only or BENCHMARKS:
        with tempfile.TemporaryDirectory(prefix=f"fidelity-bench-{name}-") as folder:
            found, lines = _run(name, Path(folder), args.smoke, args.runs)
        rows += found
        notes += lines
        print(f"[{name} done]", file=sys.stderr, flush=True)
    out(f"Whole-process benchmarks, {dt.date.today().isoformat()}, median of {args.runs} interleaved runs"
        + (" (smoke sizes: targets not judged)" if args.smoke else ""))
    out("")
    out(table(rows, args.smoke))
    out("")
    for line in notes:
        out(line)
    if not all(r.finite() and not math.isnan(r.subject) for r in rows):
        return 1
    return 0 if all(r.passed(args.smoke) is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
