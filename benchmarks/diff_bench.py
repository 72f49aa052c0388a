"""Diff engine benchmark: fidelity's snapshot comparison against a plain DeepDiff(a, b).

Run `python -m benchmarks.diff_bench` (full size: 160,000 leaves, 1% changed) or
`--smoke` for a quick run. It prints a table and two ratios:

* speed-up over DeepDiff on the same two structures (target: at least 30x);
* growth when the leaves double (target: at most 2.3x the time).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from tabulate import tabulate

from fidelity.config import Rule, RuleAction
from fidelity.model import Severity
from fidelity.policy import Policy, RuleSet, build_report
from fidelity.snapshot import ProbeSnapshot, Snapshot

ATTRIBUTES = ("type", "nullable", "default", "collation", "comment")


def make_tree(leaves: int, seed: int = 1) -> dict[str, Any]:
    """A snapshot-shaped tree: probes / tables / columns / attributes."""
    rng = random.Random(seed)
    columns_per_table = 20
    tables = max(1, leaves // (columns_per_table * len(ATTRIBUTES) * 4))
    tree: dict[str, Any] = {}
    for p in range(4):
        probe: dict[str, Any] = {}
        for t in range(tables):
            probe[f"table_{t}"] = {
                f"col_{c}": {a: f"{a}-{rng.randrange(10**6)}" for a in ATTRIBUTES}
                for c in range(columns_per_table)
            }
        tree[f"probe{p}"] = {"schema": probe}
    return tree


def mutate(tree: dict[str, Any], fraction: float, seed: int = 2) -> dict[str, Any]:
    """A deep copy with `fraction` of the leaves changed, removed or added."""
    rng = random.Random(seed)
    copy: dict[str, Any] = {
        p: {"schema": {t: {c: dict(a) for c, a in cols.items()} for t, cols in v["schema"].items()}}
        for p, v in tree.items()
    }
    leaves = [(p, t, c, a) for p, v in copy.items() for t, cols in v["schema"].items()
              for c, attrs in cols.items() for a in attrs]
    for p, t, c, a in rng.sample(leaves, int(len(leaves) * fraction)):
        roll = rng.random()
        column = copy[p]["schema"][t][c]
        if roll < 0.8:
            column[a] = column[a] + "-changed"
        elif roll < 0.9:
            del column[a]
        else:
            column[a + "_extra"] = "new"
    return copy


def as_snapshot(env: str, tree: dict[str, Any]) -> Snapshot:
    """Wrap a tree as a snapshot of unregistered (generic) probes."""
    return Snapshot(env, "2026-01-01T00:00:00+00:00", "bench", "key",
                    {name: ProbeSnapshot("bench", "ok", data=data) for name, data in tree.items()})


def best_of(runs: int, func: Callable[[], object]) -> float:
    """Median wall time of `runs` calls, garbage collection paused."""
    times = []
    for _ in range(runs):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
        gc.enable()
    return statistics.median(times)


def run(leaves: int, runs: int, with_deepdiff: bool) -> dict[str, Any]:
    """Time fidelity (and optionally DeepDiff) on one size."""
    reference = make_tree(leaves)
    candidate = mutate(reference, 0.01)
    ref_snap, cand_snap = as_snapshot("production", reference), as_snapshot("staging", candidate)
    policy = Policy(RuleSet([Rule("probe0/**/comment", RuleAction.EXPECT, reason="bench"),
                             Rule("**/type", RuleAction.SEVERITY, severity=Severity.HIGH)]))
    comparison = build_report(ref_snap, [cand_snap], policy).comparisons[0]
    row: dict[str, Any] = {"leaves": comparison.compared, "findings": len(comparison.findings),
                           "fidelity_s": best_of(runs, lambda: build_report(ref_snap, [cand_snap], policy))}
    if with_deepdiff:
        from deepdiff import DeepDiff

        row["deepdiff_s"] = best_of(1, lambda: DeepDiff(reference, candidate))
    return row


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, for CI")
    parser.add_argument("--leaves", type=int, default=160_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    leaves = 8_000 if args.smoke else args.leaves
    base = run(leaves, args.runs, with_deepdiff=True)
    double = run(leaves * 2, args.runs, with_deepdiff=False)
    speedup = base["deepdiff_s"] / base["fidelity_s"]
    growth = double["fidelity_s"] / base["fidelity_s"]
    rows = [(r["leaves"], r["findings"], f"{r['fidelity_s'] * 1000:.1f}",
             f"{r['deepdiff_s'] * 1000:.1f}" if "deepdiff_s" in r else "-") for r in (base, double)]
    print(tabulate(rows, headers=("leaves", "findings", "fidelity ms", "DeepDiff ms"), tablefmt="github"))
    print()
    print(f"speed-up over DeepDiff(a, b) at {base['leaves']} leaves: {speedup:.1f}x (target >= 30x)")
    print(f"time growth when leaves double: {growth:.2f}x (target <= 2.3x)")
    ok = speedup >= 30 and growth <= 2.3
    if args.smoke:
        return 0  # smoke sizes are too small for the targets to mean anything
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
