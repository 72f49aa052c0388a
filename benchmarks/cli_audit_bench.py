"""`fidelity audit` of two large JSON config files, as a whole process, against `DeepDiff(a, b)`.

Two environments, one `config_files` probe reading `{env}/settings.json`: 160,000 leaves with 800
changed (0.5%), and the same at 320,000 leaves (1,600 changed). The subject is the whole
`fidelity audit -c fidelity.toml --format json -o report.json` process: interpreter start, imports,
config, reading and parsing both files, diff, policy, writing the JSON report. The anchor is
`DeepDiff(a, b)` alone on the two loaded dicts, timed inside its own child process, so it excludes
that process's start and its `json.load` of the files (both are printed beside it).

Targets: fidelity at least 20x faster than the anchor (ratio <= 0.05); time at most 2.1x per doubling.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

from benchmarks.harness import FIDELITY, Row, Run, interleave, median, run_process

TARGET_SPEEDUP, TARGET_GROWTH = 20, 2.1
CONFIG = """[audit]
reference = "production"
candidates = ["staging"]
fail_on = "high"
[environments.production]
[environments.staging]
[probes.app]
type = "config_files"
paths = ["{env}/settings.json"]
"""
DEEPDIFF = """import json, sys, time
start = time.perf_counter()
with open(sys.argv[1], encoding="utf-8") as a_file, open(sys.argv[2], encoding="utf-8") as b_file:
    a, b = json.load(a_file), json.load(b_file)
loaded = time.perf_counter()
from deepdiff import DeepDiff
imported = time.perf_counter()
diff = DeepDiff(a, b)
print(json.dumps({"load": loaded - start, "deepdiff": time.perf_counter() - imported, "changes": len(diff)}))
"""


def settings(leaves: int, seed: int = 1) -> dict[str, Any]:
    """A nested config of `leaves` scalar leaves: services / groups of 20 / keys of 20."""
    rng = random.Random(seed)
    per_service = 20 * 20
    tree: dict[str, Any] = {}
    for s in range(max(1, leaves // per_service)):
        tree[f"service_{s:05d}"] = {
            f"group_{g:02d}": {f"key_{k:02d}": _value(rng, s, g, k) for k in range(20)} for g in range(20)
        }
    return tree


def _value(rng: random.Random, s: int, g: int, k: int) -> Any:
    kind = k % 4
    if kind == 0:
        return rng.randrange(10_000)
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return f"host-{s}-{g}.internal"
    return f"mode {rng.choice(('fast', 'safe', 'auto', 'off'))}"


def changed(tree: dict[str, Any], count: int, seed: int = 2) -> dict[str, Any]:
    """A copy with `count` leaves given new values (a few keys dropped or added instead)."""
    rng = random.Random(seed)
    copy: dict[str, Any] = json.loads(json.dumps(tree))
    places = [(s, g, k) for s, groups in copy.items() for g, keys in groups.items() for k in keys]
    for i, (s, g, k) in enumerate(rng.sample(places, count)):
        keys = copy[s][g]
        if i % 10 == 8:
            del keys[k]
        elif i % 10 == 9:
            keys[k + "_extra"] = "new"
        else:
            keys[k] = f"changed-{i}"
    return copy


def build(folder: Path, leaves: int) -> Path:
    """Write the two environments' settings.json and the config; return the config's path."""
    reference = settings(leaves)
    for env, tree in (("production", reference), ("staging", changed(reference, leaves // 200))):
        (folder / env).mkdir(parents=True, exist_ok=True)
        (folder / env / "settings.json").write_text(json.dumps(tree, indent=2), encoding="utf-8")
    config = folder / "fidelity.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def audit(config: Path) -> Run:
    """The subject: the whole `fidelity audit` process, writing the JSON report."""
    report = config.with_name("report.json")
    run = run_process([*FIDELITY, "audit", "-c", str(config), "--format", "json", "-o", str(report)], ok=(1,))
    if not report.is_file():
        raise RuntimeError(f"no report written: {run.stderr_text()}")
    return run


def deepdiff(config: Path) -> Run:
    """The anchor's process: load both files, then DeepDiff them (its own timings on stdout)."""
    folder = config.parent
    return run_process([sys.executable, "-c", DEEPDIFF, str(folder / "production" / "settings.json"),
                        str(folder / "staging" / "settings.json")])


def rows(folder: Path, smoke: bool, runs: int) -> list[Row]:
    """Rows 1 and 2: fidelity against DeepDiff at N leaves, and fidelity at 2N against N."""
    leaves = 2_000 if smoke else 160_000
    small, large = build(folder / "n", leaves), build(folder / "2n", 2 * leaves)
    fid_small, anchor, fid_large = interleave(runs, lambda: audit(small), lambda: deepdiff(small),
                                              lambda: audit(large))
    measured = [json.loads(r.stdout) for r in anchor]
    deepdiff_s = sorted(m["deepdiff"] for m in measured)[len(measured) // 2]
    load_s = sorted(m["load"] for m in measured)[len(measured) // 2]
    return [
        Row(f"audit, 2 JSON files of {leaves:,} leaves ({leaves // 200:,} changed), JSON report",
            median(fid_small), deepdiff_s, 1 / TARGET_SPEEDUP, "DeepDiff(a, b) only, in a child",
            note=f"anchor excludes its own process start and json.load ({load_s:.3f} s); its whole "
                 f"process took {median(anchor):.3f} s"),
        Row(f"audit at {2 * leaves:,} leaves / at {leaves:,} (per doubling)", median(fid_large),
            median(fid_small), TARGET_GROWTH, f"fidelity audit at {leaves:,} leaves"),
    ]
