"""Start-up: `fidelity --help` and `fidelity probes` as whole processes, against `python -c "import click"`.

The anchor is the least a click CLI can cost: the interpreter plus click's import. Target: each
command at most 3x the anchor.
"""

from __future__ import annotations

import sys

from benchmarks.harness import FIDELITY, Row, interleave, median, run_process

TARGET_RATIO = 3.0


def rows(smoke: bool, runs: int) -> list[Row]:
    """Row 6: --help and probes, interleaved with the anchor."""
    helps, probes, anchor = interleave(
        runs, lambda: run_process([*FIDELITY, "--help"]), lambda: run_process([*FIDELITY, "probes"]),
        lambda: run_process([sys.executable, "-c", "import click"]))
    return [Row("fidelity --help", median(helps), median(anchor), TARGET_RATIO, 'python -c "import click"'),
            Row("fidelity probes", median(probes), median(anchor), TARGET_RATIO, 'python -c "import click"')]
