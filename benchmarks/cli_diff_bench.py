"""`fidelity diff` of two large snapshot files, as a whole process, against a stdlib `json.load` of both.

Each snapshot is a valid fidelity snapshot file (written by `fidelity.snapshot.write`) holding one
`config_files` probe with 1,000,000 keys (about 30 MB); the candidate has 0.1% of them changed.
The subject is `fidelity diff ref.json cand.json --format json -o report.json`; the anchor is
`python -c` loading both files with `json.load` and keeping both alive, the least any reader of
these files must do. Targets: time ratio <= 1.0, and peak resident memory ratio <= 1.2.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

from benchmarks.harness import FIDELITY, Row, Run, interleave, median, run_process

TARGET_TIME, TARGET_MEMORY = 1.0, 1.2
LOAD = """import json, sys
docs = []
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        docs.append(json.load(f))
"""


def settings(keys: int, seed: int = 3) -> dict[str, Any]:
    """`keys` leaves as sections of 1,000 keys, scalar values of the usual config kinds."""
    rng = random.Random(seed)
    sections = max(1, keys // 1000)
    per = keys // sections
    return {f"section_{s:04d}": {f"setting_{k:04d}": (rng.randrange(10**6) if k % 3 == 0 else
                                                  k % 3 == 1 or f"v{rng.randrange(10**5)}")
                                 for k in range(per)}
            for s in range(sections)}


def write_snapshots(folder: Path, keys: int) -> tuple[Path, Path]:
    """The reference and candidate snapshot files."""
    from fidelity import __version__
    from fidelity.snapshot import ProbeSnapshot, Snapshot, write

    reference = settings(keys)
    candidate = {s: dict(k) for s, k in reference.items()}
    rng = random.Random(4)
    for section in rng.sample(sorted(candidate), min(len(candidate), max(1, keys // 1000))):
        key = rng.choice(sorted(candidate[section]))
        candidate[section][key] = "changed"
    paths = []
    for env, tree in (("production", reference), ("staging", candidate)):
        probe = ProbeSnapshot(type="config_files", status="ok", data={"settings.json": tree})
        path = folder / f"{env}.json"
        write(Snapshot(env, "2026-01-01T00:00:00+00:00", __version__, "bench", {"app": probe}), path)
        paths.append(path)
    return paths[0], paths[1]


def diff(reference: Path, candidate: Path) -> Run:
    """The subject: the whole `fidelity diff` process, writing the JSON report."""
    report = reference.with_name("report.json")
    return run_process([*FIDELITY, "diff", str(reference), str(candidate), "--format", "json",
                        "-o", str(report)], ok=(0, 1))


def load(reference: Path, candidate: Path) -> Run:
    """The anchor: a whole `python -c` process that json.loads both files."""
    return run_process([sys.executable, "-c", LOAD, str(reference), str(candidate)])


def rows(folder: Path, smoke: bool, runs: int) -> list[Row]:
    """Row 4: time and peak memory."""
    keys = 5_000 if smoke else 1_000_000
    reference, candidate = write_snapshots(folder, keys)
    mb = reference.stat().st_size / 1e6
    subject, anchor = interleave(runs, lambda: diff(reference, candidate), lambda: load(reference, candidate))
    name = f"diff of 2 snapshots of {keys:,} keys ({mb:.1f} MB each)"
    return [Row(name, median(subject), median(anchor), TARGET_TIME, "python -c: json.load both files"),
            Row(f"{name}: peak RSS", median(subject, "peak_mb"), median(anchor, "peak_mb"), TARGET_MEMORY,
                "the same json.load process", unit="MB")]
