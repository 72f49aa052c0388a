"""`fidelity audit -v` with all four probe types on the bundled examples: where a whole run's time goes.

One config joins the examples: `examples/demo` (config_files and dependencies),
`examples/postgres` (its two databases, created by its setup.py under a bench prefix and dropped
after) and the kubernetes shop fixture served by the fake API server in its own process (as in
`kubernetes_bench.py`). The command writes every report format (terminal to stdout, JSON, HTML,
Markdown, JUnit). No anchor: the row is the whole process, and the breakdown under the table
comes from the `-v` log: start-up and config until the first `probing` line (stamped by the parent
as each line arrives), then the `time:` lines that `fidelity.snapshot.take` (each probe, in its own
environment's thread: the two environments are probed side by side), `fidelity.commands` and
`fidelity.publish.targets` log.
"""

from __future__ import annotations

import multiprocessing
import re
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tabulate import tabulate

from benchmarks.harness import FIDELITY, ROOT, Row, Run, interleave, median, run_process
from benchmarks.postgres_schema_bench import SERVER

DEMO = ROOT / "examples" / "demo"
PREFIX = "fidelity_bench_example"
_TIME = re.compile(r"fidelity: time: (?P<stage>[^:]+): (?P<seconds>[0-9.]+) s")
_REPORT = re.compile(r"fidelity: time: (?P<format>\w+) report: render (?P<render>[0-9.]+) s, "
                     r"write (?P<write>[0-9.]+) s")
_PROBING = re.compile(r"fidelity: probing (?P<env>[^:]+): (?P<probe>\S+) \((?P<type>[^)]+)\)")


@dataclass
class Stages:
    """The row, and the breakdown printed under the table."""

    rows: list[Row]
    lines: list[str] = field(default_factory=list)


def config_text(kubeconfig: Path, server: str) -> str:
    dsn = {env: f"{server} dbname={PREFIX}_{env}" for env in ("production", "staging")}
    return f"""[audit]
reference = "production"
candidates = ["staging"]
fail_on = "high"
[environments.production]
[environments.staging]
[probes.app]
type = "config_files"
paths = ["{DEMO}/{{env}}/app.env", "{DEMO}/{{env}}/settings.yaml"]
[probes.deps]
type = "dependencies"
paths = ["{DEMO}/{{env}}/requirements.txt"]
[probes.db]
type = "postgres"
schemas = ["public"]
data = true
  [probes.db.production]
  dsn = "{dsn['production']}"
  [probes.db.staging]
  dsn = "{dsn['staging']}"
[probes.k8s]
type = "kubernetes"
kubeconfig = "{kubeconfig}"
namespaces = ["shop", "payments"]
"""


def breakdown(run: Run) -> dict[str, float]:
    """Stage -> seconds, from one run's stamped `-v` lines."""
    stages: dict[str, float] = {}
    stamps = run.stderr
    first = next((at for at, line in stamps if _PROBING.match(line)), None)
    if first is not None:
        stages["start-up and config (to the first probe)"] = first
    # Each probe's own `time:` line: environments whose probes wait on servers are probed side by
    # side, so the lines of two environments interleave and the gap to the next line says nothing.
    for _, line in stamps:
        if report := _REPORT.match(line):
            stages[f"{report['format']} report: render"] = float(report["render"])
            stages[f"{report['format']} report: write"] = float(report["write"])
        elif timed := _TIME.match(line):
            stages[timed["stage"]] = float(timed["seconds"])
    stages["whole process"] = run.seconds
    return stages


def audit(config: Path) -> Run:
    folder = config.parent
    return run_process([*FIDELITY, "audit", "-c", str(config), "-v", "--no-color",
                        "--format", "terminal", "-o", "-", "--format", "json", "-o", str(folder / "r.json"),
                        "--format", "html", "-o", str(folder / "r.html"), "--format", "markdown",
                        "-o", str(folder / "r.md"), "--format", "junit", "-o", str(folder / "r.xml")],
                       ok=(0, 1))


def rows(folder: Path, smoke: bool, runs: int, server: str = SERVER) -> Stages:
    """Row 5, and its per-stage breakdown."""
    from benchmarks.kubernetes_bench import serve
    from tests.support.kubernetes_api import write_kubeconfig

    setup = [sys.executable, str(ROOT / "examples" / "postgres" / "setup.py"), "--server", server,
             "--prefix", PREFIX]
    subprocess.run(setup, check=True, capture_output=True)
    conn, child_conn = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(target=serve, args=(60, child_conn), daemon=True)
    child.start()
    try:
        _, entry = conn.recv()
        kubeconfig = write_kubeconfig(folder / "kubeconfig", [entry])
        config = folder / "fidelity.toml"
        config.write_text(config_text(kubeconfig, server), encoding="utf-8")
        (samples,) = interleave(runs, lambda: audit(config))
    finally:
        conn.send("stop")
        child.join(10)
        subprocess.run([*setup, "--drop"], check=True, capture_output=True)
    found = [breakdown(r) for r in samples]
    names = list(found[0])
    table = [(name, f"{statistics.median(f.get(name, 0.0) for f in found):.3f}") for name in names]
    lines = ["", f"breakdown of `fidelity audit -v`, 4 probes, 5 reports (median of {runs} runs, seconds):",
             tabulate(table, headers=("stage", "seconds"), tablefmt="github"), ""]
    return Stages([Row("audit, 4 probe types on the bundled examples, 5 report formats", median(samples),
                       None, None, note="per-stage breakdown below")], lines)
