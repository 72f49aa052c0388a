"""MySQL/MariaDB data-shape benchmark: 1M and 10M rows against an exact full-scan aggregate.

Run `python -m benchmarks.mysql_data_bench` against the local MariaDB (root, no password; building
the tables takes minutes, so this is not part of CI) or `--smoke` for a quick run at 20k and 200k
rows. The table (an InnoDB table with a BIGINT primary key) mixes text, decimal, datetime, JSON and
an enum, and has a column whose NULLs are clustered by insertion order (the first 30% of rows), where
a sample of contiguous key runs is biased unless it has many runs. Targets, checked at full size:

* at 10M rows, the fingerprint (in a fresh process, inside the probe's snapshot transaction) takes
  at most 1/20 of the time of an exact full scan computing the same null fractions and average lengths;
* time at 10M rows is at most 1.5x time at 1M rows;
* accuracy at 10M rows: null fractions within ±0.01 of exact, and the Jensen–Shannon distance
  between sampled and exact text-length histograms at most 0.05;
* peak memory of the fingerprint process under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from tabulate import tabulate

from benchmarks.child import run_child
from benchmarks.scale import TARGET_MB, judge_scale
from fidelity.probe.distance import js_divergence

TEXT_COLUMNS = ("name", "email", "note")
COLUMNS = ("id", "name", "email", "amount", "created", "doc", "plan", "note")
Scan = tuple[float, dict[str, float]]


def connect(database: str | None = None) -> Any:
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=3306, user="root", database=database, autocommit=True,
                           charset="utf8mb4", read_timeout=3600)


def table_sql(rows: int) -> list[str]:
    """The benchmark table, filled from MariaDB's sequence engine, then analyzed."""
    return [
        "CREATE TABLE facts (id BIGINT PRIMARY KEY, name VARCHAR(40), email VARCHAR(80), "
        "amount DECIMAL(14,2), "
        "created DATETIME, doc JSON, plan ENUM('free','pro','team','enterprise'), note VARCHAR(200))",
        f"""INSERT INTO facts SELECT seq,
       LEFT(MD5(seq), 1 + FLOOR(RAND(42) * RAND() * 31)),
       IF(RAND() < 0.1, NULL, CONCAT('user', seq, '@example.com')),
       ROUND(EXP(RAND() * 9) - 1, 2),
       '2023-01-01' + INTERVAL FLOOR(RAND() * 700 * 86400) SECOND,
       IF(RAND() < 0.3,
          JSON_OBJECT('sku', seq % 1000, 'qty', FLOOR(RAND() * 9), 'gift', JSON_OBJECT('wrap', true)),
          JSON_OBJECT('sku', seq % 1000, 'qty', FLOOR(RAND() * 9))),
       ELT(1 + FLOOR(RAND() * RAND() * 3.99), 'free', 'pro', 'team', 'enterprise'),
       IF(seq <= {rows} * 0.3, NULL, REPEAT('n', FLOOR(RAND() * 120)))
FROM seq_1_to_{rows}""",
        "ANALYZE TABLE facts",
    ]


@contextmanager
def database(statements: list[str]) -> Iterator[str]:
    name = f"fidelity_bench_{secrets.token_hex(4)}"
    with connect() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    try:
        with connect(name) as conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
                cur.fetchall()
        yield name
    finally:
        with connect() as conn, conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


def fingerprint_once(name: str) -> dict[str, Any]:
    """Fingerprint the table in this process, inside an open snapshot transaction."""
    from fidelity.probe.shape.options import DataOptions
    from fidelity.redact import SecretKeeper
    from probes.mysql.data.collect import collect
    from probes.mysql.session import Session

    session = Session.open({"dsn": f"mysql://root@127.0.0.1:3306/{name}", "statement_timeout": 3_600_000})
    try:
        start = time.perf_counter()
        tree, gaps = collect(session, [(name, "facts")], DataOptions(), SecretKeeper(b"bench"))
        seconds = time.perf_counter() - start
    finally:
        session.close()
    return {"seconds": seconds, "facts": tree[name]["facts"], "gaps": len(gaps),
            "queries": session.queries, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def full_scan(name: str) -> Scan:
    """Time of the exact aggregate computing what the fingerprint reports of every row (null fraction
    and average width of every column, average length of the text columns), and its null fractions."""
    counts = ", ".join(f"COUNT({c})" for c in COLUMNS)
    widths = ", ".join([*(f"AVG(LENGTH({c}))" for c in COLUMNS),
                        *(f"AVG(CHAR_LENGTH({c}))" for c in TEXT_COLUMNS)])
    with connect(name) as conn, conn.cursor() as cur:
        start = time.perf_counter()
        cur.execute(f"SELECT COUNT(*), {counts}, {widths} FROM facts")
        row = cur.fetchone()
        seconds = time.perf_counter() - start
    total = row[0]
    return seconds, {c: 1 - row[1 + i] / total for i, c in enumerate(COLUMNS)}


def exact_lengths(name: str) -> dict[str, dict[str, float]]:
    """Exact text-length histograms, bucketed as the fingerprint buckets them."""
    from fidelity.probe.shape.decode import length_label
    from fidelity.probe.shape.measures import LENGTH_BOUNDS

    out: dict[str, dict[str, float]] = {}
    with connect(name) as conn, conn.cursor() as cur:
        for column in TEXT_COLUMNS:
            cur.execute(f"SELECT IF(CHAR_LENGTH({column}) = 0, 0, LEAST({len(LENGTH_BOUNDS)}, "
                        f"FLOOR(LOG2(CHAR_LENGTH({column}))) + 1)) AS b, COUNT(*) FROM facts "
                        f"WHERE {column} IS NOT NULL GROUP BY b")
            rows = cur.fetchall()
            total = sum(n for _, n in rows)
            out[column] = {length_label(str(int(b))): n / total for b, n in rows}
    return out


def measure(sizes: tuple[int, ...], runs: int) -> list[dict[str, Any]]:
    """Median fingerprint and full-scan times per size; every table is built first, then each run
    measures every size in turn, fingerprint then full scan, so that load hits all ratios alike."""
    with ExitStack() as stack:
        names, built = [], []
        for rows in sizes:
            started = time.perf_counter()
            names.append(stack.enter_context(database(table_sql(rows))))
            built.append(time.perf_counter() - started)
        for name in names:  # warm the buffer pool for every size
            run_child(__file__, name)
            full_scan(name)
        prints: list[list[dict[str, Any]]] = [[] for _ in sizes]
        scans: list[list[Scan]] = [[] for _ in sizes]
        for _ in range(runs):
            for i, name in enumerate(names):
                prints[i].append(run_child(__file__, name))
                scans[i].append(full_scan(name))
        exact = [exact_lengths(name) for name in names]
    return [_summary(rows, built[i], prints[i], scans[i], exact[i]) for i, rows in enumerate(sizes)]


def _summary(rows: int, built: float, prints: list[dict[str, Any]], scans: list[Scan],
             exact: dict[str, dict[str, float]]) -> dict[str, Any]:
    facts = prints[-1]["facts"]
    nulls = scans[-1][1]
    null_error = max(abs(facts["columns"][c]["null_fraction"] - nulls[c]) for c in COLUMNS)
    js = max(math.sqrt(js_divergence(dict(facts["columns"][c]["lengths"]), exact[c])) for c in TEXT_COLUMNS)
    return {"rows": rows, "built": built, "seconds": statistics.median(p["seconds"] for p in prints),
            "scan": statistics.median(s for s, _ in scans), "peak_mb": max(p["peak_mb"] for p in prints),
            "sample": facts["sample"], "null_error": null_error, "js": js, "queries": prints[-1]["queries"],
            "gaps": max(p["gaps"] for p in prints)}


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed (times only at full size)."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="20k and 200k rows")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(fingerprint_once(args.child)))
        return 0
    sizes, runs = ((20_000, 200_000), 1) if args.smoke else ((1_000_000, 10_000_000), args.runs)
    results = measure(sizes, runs)
    small, large = results[0], results[-1]
    table = [(f"{r['rows']:,}", f"{r['built']:.0f}", r["sample"]["method"], r["sample"].get("blocks", "-"),
              f"{r['sample']['rows']:,} / {r['sample']['shape_rows']:,}", r["queries"], f"{r['seconds']:.3f}",
              f"{r['scan']:.3f}", f"{r['seconds'] / r['scan']:.3f}", f"{r['null_error']:.4f}",
              f"{r['js']:.3f}",
              f"{r['peak_mb']:.0f}") for r in results]
    print(tabulate(table, headers=("rows", "build s", "read", "runs", "rows read / measured", "queries",
                                   "fingerprint s", "full scan s", "ratio", "max null error",
                                   "max JS lengths",
                                   "peak MB"), tablefmt="github"))
    print()
    close, fast = judge_scale(small, large)
    print(f"peak memory of the fingerprint process: {large['peak_mb']:.0f} MB (target < {TARGET_MB} MB)")
    accurate = close and large["gaps"] == 0
    if args.smoke:
        return 0 if accurate else 1
    return 0 if accurate and fast and large["peak_mb"] < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
