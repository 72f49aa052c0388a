"""Data-shape fingerprint benchmark: 1M, 3M and 10M rows against an exact full-scan aggregate.

Run `python benchmarks/data_bench.py` (full size: tables of 1M, 3M and 10M rows; building them
takes minutes, so this is not part of CI) or `--smoke` for a quick run at 20k and 200k rows.
The 3M-row table is the mid size: there the time per row read shows which expressions cost.
The table mixes text, numeric, timestamptz, jsonb and an enum, and has a column whose NULLs
are clustered by insertion order (the first 30% of rows), as in real tables, since block
sampling is biased there. Targets, checked at full size:

* at 10M rows, the fingerprint (the whole postgres probe with `data`, in a fresh process)
  takes at most 1/20 of the time of an exact full scan computing the same null fractions and
  average lengths;
* time at 10M rows is at most 1.5x time at 1M rows;
* accuracy at 10M rows: null fractions within ±0.01 of exact, and the Jensen–Shannon distance
  between sampled and exact text-length histograms at most 0.05;
* peak memory (maximum resident set of the fingerprint process) under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import sys
import time
from contextlib import ExitStack
from typing import Any

from tabulate import tabulate

from benchmarks.child import run_child
from benchmarks.postgres_schema_bench import SERVER, database
from fidelity.probe.distance import js_divergence

TARGET_RATIO, TARGET_GROWTH, TARGET_NULLS, TARGET_JS, TARGET_MB = 1 / 20, 1.5, 0.01, 0.05, 200
TEXT_COLUMNS = ("name", "email", "note")
#: A full scan's time and the exact null fraction of each column.
Scan = tuple[float, dict[str, float]]
COLUMNS = ("id", "name", "email", "amount", "created", "doc", "plan", "note")


def table_ddl(rows: int) -> list[str]:
    """The benchmark table, filled (`measure` then analyzes it, as autovacuum would)."""
    return [
        "CREATE TYPE plan AS ENUM ('free', 'pro', 'team', 'enterprise');",
        "CREATE TABLE facts (id bigint, name text, email text, amount numeric(14, 2), created timestamptz, "
        "doc jsonb, plan plan, note text);",
        "SELECT setseed(0.42);",
        f"""INSERT INTO facts
SELECT i,
       substr(md5(i::text), 1, 1 + (random() * random() * 31)::int),
       CASE WHEN random() < 0.1 THEN NULL ELSE 'user' || i || '@example.com' END,
       round((exp(random() * 9) - 1)::numeric, 2),
       timestamptz '2023-01-01' + random() * interval '700 days',
       jsonb_build_object('sku', i % 1000, 'qty', (random() * 9)::int)
         || CASE WHEN random() < 0.3 THEN '{{"gift": {{"wrap": true}}}}'::jsonb ELSE '{{}}' END,
       (ARRAY['free', 'pro', 'team', 'enterprise'])[1 + (random() * random() * 3.99)::int]::plan,
       CASE WHEN i <= {rows} * 0.3 THEN NULL ELSE repeat('n', (random() * 120)::int) END
FROM generate_series(1, {rows}) i;""",
    ]


def fingerprint_once(dsn: str) -> dict[str, Any]:
    """Fingerprint the table in this process: the fingerprint's own time (inside an open snapshot
    transaction), the whole probe's (connect, catalog, fingerprint), the result and peak memory."""
    from fidelity.probe import ProbeContext
    from fidelity.probe.shape.options import DataOptions
    from fidelity.redact import SecretKeeper
    from probes.postgres import PostgresProbe
    from probes.postgres.data.collect import DataShape
    from probes.postgres.schema import Scope
    from probes.postgres.session import Session, Timeouts

    keeper = SecretKeeper(b"bench")
    session = Session.open(dsn, Timeouts(10, 600_000, 5000))
    try:
        start = time.perf_counter()
        shape = DataShape(session, DataOptions(tables=("facts",)), Scope(("public",)), keeper)
        facts = shape.read(["public"], [])["public"]["facts"]
        seconds = time.perf_counter() - start
    finally:
        session.close()
    options = {o.name: o.default for o in PostgresProbe.option_schema}
    options |= {"dsn": dsn, "schemas": ["public"], "migrations": "off", "data": {"tables": ["facts"]}}
    start = time.perf_counter()
    result = PostgresProbe("db", options, ProbeContext("bench", keeper)).collect()
    probe = time.perf_counter() - start
    return {"seconds": seconds, "probe": probe, "facts": facts, "gaps": len(shape.gaps) + len(result.gaps),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def fingerprint_in_child(dsn: str) -> dict[str, Any]:
    """`fingerprint_once` in a fresh interpreter, so that its peak memory is its own."""
    return run_child(__file__, dsn)


def full_scan(dsn: str) -> Scan:
    """Time of the exact aggregate computing what the fingerprint reports of every row (null fraction
    and average width of every column, average length of the text columns), and its null fractions."""
    import psycopg

    counts = ", ".join(f"count({c}) AS {c}" for c in COLUMNS)
    widths = ", ".join([*(f"avg(pg_column_size({c}))" for c in COLUMNS),
                        *(f"avg(length({c}))" for c in TEXT_COLUMNS)])
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        row = conn.execute(f"SELECT count(*), {counts}, {widths} FROM facts").fetchone()
        seconds = time.perf_counter() - start
    assert row is not None
    total = row[0]
    return seconds, {c: 1 - row[1 + i] / total for i, c in enumerate(COLUMNS)}


def exact_lengths(dsn: str) -> dict[str, dict[str, float]]:
    """Exact text-length histograms, bucketed as the fingerprint buckets them."""
    import psycopg

    from fidelity.probe.shape.decode import length_label
    from fidelity.probe.shape.measures import LENGTH_BOUNDS

    out: dict[str, dict[str, float]] = {}
    with psycopg.connect(dsn) as conn:
        for column in TEXT_COLUMNS:
            rows = conn.execute(f"SELECT width_bucket(length({column}), %s), count(*) FROM facts "
                                f"WHERE {column} IS NOT NULL GROUP BY 1", [list(LENGTH_BOUNDS)]).fetchall()
            total = sum(n for _, n in rows)
            out[column] = {length_label(str(b)): n / total for b, n in rows}
    return out


def measure(server: str, sizes: tuple[int, ...], runs: int) -> list[dict[str, Any]]:
    """Median fingerprint and full-scan times on one table per size, with the fingerprint's accuracy.

    Every table is built first; then each run measures every size in turn, fingerprint then full
    scan, so that a change in the machine's load hits all the ratios alike.
    """
    import psycopg

    with ExitStack() as stack:
        dsns, built = [], []
        for rows in sizes:
            started = time.perf_counter()
            dsn = stack.enter_context(database(server, table_ddl(rows)))
            with psycopg.connect(dsn, autocommit=True) as conn:  # after the load commits, as autovacuum would
                conn.execute("ANALYZE facts")
            dsns.append(dsn)
            built.append(time.perf_counter() - started)
        for dsn in dsns:  # warm the caches for every size
            fingerprint_in_child(dsn)
            full_scan(dsn)
        prints: list[list[dict[str, Any]]] = [[] for _ in sizes]
        scans: list[list[Scan]] = [[] for _ in sizes]
        for _ in range(runs):
            for i, dsn in enumerate(dsns):
                prints[i].append(fingerprint_in_child(dsn))
                scans[i].append(full_scan(dsn))
        exact = [exact_lengths(dsn) for dsn in dsns]
    return [_summary(rows, built[i], prints[i], scans[i], exact[i]) for i, rows in enumerate(sizes)]


def _summary(rows: int, built: float, prints: list[dict[str, Any]], scans: list[Scan],
             exact: dict[str, dict[str, float]]) -> dict[str, Any]:
    facts = prints[-1]["facts"]
    nulls = scans[-1][1]
    null_error = max(abs(facts["columns"][c]["null_fraction"] - nulls[c]) for c in COLUMNS)
    js = max(math.sqrt(js_divergence(dict(facts["columns"][c]["lengths"]), exact[c])) for c in TEXT_COLUMNS)
    return {"rows": rows, "built": built, "seconds": statistics.median(p["seconds"] for p in prints),
            "probe": statistics.median(p["probe"] for p in prints),
            "scan": statistics.median(s for s, _ in scans), "peak_mb": max(p["peak_mb"] for p in prints),
            "sample": facts["sample"], "null_error": null_error, "js": js,
            "gaps": max(p["gaps"] for p in prints)}


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed (times only at full size)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20k and 200k rows, for CI")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default=SERVER, help="libpq parameters of the server to use")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(fingerprint_once(args.child)))
        return 0
    sizes, runs = ((20_000, 200_000), 1) if args.smoke else ((1_000_000, 3_000_000, 10_000_000), args.runs)
    results = measure(args.server, sizes, runs)
    small, large = results[0], results[-1]
    table = [(f"{r['rows']:,}", f"{r['built']:.0f}", r["sample"]["method"],
              f"{r['sample']['rows']:,} / {r['sample']['shape_rows']:,}", f"{r['seconds']:.3f}",
              f"{r['probe']:.3f}", f"{r['scan']:.3f}", f"{r['seconds'] / r['scan']:.3f}",
              f"{r['null_error']:.4f}", f"{r['js']:.3f}", f"{r['peak_mb']:.0f}") for r in results]
    print(tabulate(table, headers=("rows", "build s", "read", "rows read / examined", "fingerprint s",
                                   "whole probe s", "full scan s", "ratio", "max null error",
                                   "max JS lengths", "peak MB"), tablefmt="github"))
    ratio, growth = large["seconds"] / large["scan"], large["seconds"] / small["seconds"]
    print()
    print(f"fingerprint / exact full scan at {large['rows']:,} rows: {ratio:.3f}x (1/{1 / ratio:.0f}; "
          f"target <= 1/20)")
    print(f"time at {large['rows']:,} rows / time at {small['rows']:,}: {growth:.2f}x "
          f"(target <= {TARGET_GROWTH}x)")
    print(f"accuracy at {large['rows']:,} rows: null fractions within {large['null_error']:.4f} of exact "
          f"(target <= {TARGET_NULLS}), JS distance of length histograms {large['js']:.3f} "
          f"(target <= {TARGET_JS})")
    print(f"peak memory of the fingerprint process: {large['peak_mb']:.0f} MB (target < {TARGET_MB} MB)")
    accurate = large["null_error"] <= TARGET_NULLS and large["js"] <= TARGET_JS and large["gaps"] == 0
    if args.smoke:
        return 0 if accurate else 1  # times mean nothing at smoke size
    fast = ratio <= TARGET_RATIO and growth <= TARGET_GROWTH and large["peak_mb"] < TARGET_MB
    return 0 if accurate and fast else 1


if __name__ == "__main__":
    sys.exit(main())
