"""Data-shape fingerprint benchmark: a mid-size flights-shaped table, 1M, 3M and 10M rows, against full scans.

Run `python -m benchmarks.data_bench` (full size: a 336,776-row flights-shaped table of about 120 MB,
and tables of 1M, 3M and 10M rows; building them takes minutes, so this is not part of CI; `--keep`
keeps them in databases named `fidelity_bench_data_*` and reuses them on the next run, `--sizes`
picks some) or `--smoke` for a quick run at 20k and 200k rows. The flights-shaped table (22 columns:
integers, numerics, short codes, a time-ordered timestamptz, an enum, jsonb and a text column NULL in
its first 30% of rows) is the mid size, where a sample is a large share of the table. The others mix
text, numeric, timestamptz, jsonb and an enum, and have a column whose NULLs are clustered by
insertion order (the first 30% of rows), as in real tables, since block sampling is biased there.
Each run measures every size in turn, the fingerprint then its two anchors: a plain parallel full scan
counting every column (`count(col)`), and an exact full scan computing the null fractions and average
widths and lengths the fingerprint estimates. Targets, checked at full size:

* at the mid size, the fingerprint takes at most the time of the `count(col)` full scan;
* at 10M rows, the fingerprint (the whole postgres probe with `data`, in a fresh process)
  takes at most 1/20 of the time of the exact full scan;
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from benchmarks.child import run_child
from benchmarks.postgres_schema_bench import SERVER, database
from benchmarks.scale import TARGET_MB, judge_scale
from fidelity.probe.distance import js_divergence

TARGET_MID = 1.0
#: A run's times of the exact and of the count(col) full scan, and the exact null fraction of each column.
Scan = tuple[float, float, dict[str, float]]


@dataclass(frozen=True)
class Shape:
    """A benchmark table: its name, columns, text columns and DDL for a number of rows."""

    table: str
    columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    ddl: Callable[[int], list[str]]


def facts_ddl(rows: int) -> list[str]:
    """The large benchmark table, filled (`measure` then analyzes it, as autovacuum would)."""
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


def flights_ddl(rows: int) -> list[str]:
    """A table shaped like the public flights data set (336,776 rows, about 120 MB at that size):
    time-ordered, with short codes, numbers, an enum, a jsonb document and a text column NULL in its
    first 30% of rows."""
    carriers = ("'UA', 'B6', 'EV', 'DL', 'AA', 'MQ', 'US', '9E', 'WN', 'VX', 'FL', 'AS', 'F9', 'YV', "
                "'HA', 'OO'")
    return [
        "CREATE TYPE status AS ENUM ('scheduled', 'departed', 'landed', 'diverted', 'cancelled');",
        "CREATE TABLE flights (year int, month int, day int, dep_time int, sched_dep_time int, "
        "dep_delay numeric, arr_time int, sched_arr_time int, arr_delay numeric, carrier text, flight int, "
        "tailnum text, origin text, dest text, air_time numeric, distance numeric, hour int, minute int, "
        "time_hour timestamptz, status status, legs jsonb, remark text);",
        "SELECT setseed(0.42);",
        f"""INSERT INTO flights
SELECT extract(year FROM th)::int, extract(month FROM th)::int, extract(day FROM th)::int,
       CASE WHEN cancelled THEN NULL ELSE (sched + dd) % 2400 END, sched,
       CASE WHEN cancelled THEN NULL ELSE dd END,
       CASE WHEN cancelled THEN NULL ELSE (sched + dd + air) % 2400 END, (sched + air) % 2400,
       CASE WHEN cancelled THEN NULL ELSE dd - 5 + (random() * 10)::int END,
       carrier, 1 + (random() * 5000)::int,
       CASE WHEN random() < 0.007 THEN NULL
            ELSE 'N' || (100 + (random() * 900)::int)
                 || (ARRAY['UA', 'AA', 'JB', 'DL', 'EV', ''])[1 + (random() * 5)::int]
       END,
       (ARRAY['EWR', 'JFK', 'LGA'])[1 + (random() * 2)::int],
       'D' || lpad((random() * random() * 104)::int::text, 2, '0'),
       CASE WHEN cancelled THEN NULL ELSE air END, air * 7 + (random() * 30)::int,
       sched / 100, sched % 100, th,
       (CASE WHEN cancelled THEN 'cancelled' WHEN random() < 0.002 THEN 'diverted' ELSE 'landed' END)::status,
       jsonb_build_object('gate', 'A' || (random() * 40)::int,
                          'crew', jsonb_build_array(jsonb_build_object('id', (random() * 9999)::int,
                                                                       'role', 'captain')),
                          'aircraft', jsonb_build_object(
                              'model', (ARRAY['A320', 'B737', 'E175', 'CRJ9'])[1 + (random() * 3)::int],
                              'seats', 70 + (random() * 120)::int),
                          'delays', jsonb_build_object(carrier, dd))
         || CASE WHEN random() < 0.3 THEN '{{"catering": {{"meals": 2, "special": true}}}}'::jsonb
                 ELSE '{{}}' END,
       CASE WHEN i <= {rows} * 0.3 THEN NULL
            ELSE md5(i::text) || repeat(' delayed by weather', (random() * random() * 4)::int) END
FROM (SELECT i, timestamptz '2013-01-01' + (i::float8 / {rows}) * interval '365 days' AS th,
             (ARRAY[{carriers}])[1 + floor(random() * random() * 16)::int] AS carrier,
             random() < 0.025 AS cancelled, 500 + (random() * 1800)::int AS sched,
             (random() * random() * 120)::int - 10 AS dd, 30 + (random() * 400)::int AS air
      FROM generate_series(1, {rows}) i) s;""",
    ]


FACTS = Shape("facts", ("id", "name", "email", "amount", "created", "doc", "plan", "note"),
              ("name", "email", "note"), facts_ddl)
FLIGHTS = Shape("flights", ("year", "month", "day", "dep_time", "sched_dep_time", "dep_delay", "arr_time",
                            "sched_arr_time", "arr_delay", "carrier", "flight", "tailnum", "origin", "dest",
                            "air_time", "distance", "hour", "minute", "time_hour", "status", "legs",
                            "remark"),
                ("carrier", "tailnum", "origin", "dest", "remark"), flights_ddl)
#: Sizes by name (`--sizes`): the mid size is the flights data set's row count.
SIZES = {"mid": (FLIGHTS, 336_776), "1M": (FACTS, 1_000_000), "3M": (FACTS, 3_000_000),
         "10M": (FACTS, 10_000_000)}
SMOKE = ((FLIGHTS, 40_000), (FACTS, 20_000), (FACTS, 200_000))


def fingerprint_once(argument: str) -> dict[str, Any]:
    """Fingerprint a table in this process (`argument`: `table dsn`): the fingerprint's own time (inside
    an open snapshot transaction), the whole probe's (connect, catalog, fingerprint), the result and
    peak memory."""
    from fidelity.probe import ProbeContext
    from fidelity.probe.shape.options import DataOptions
    from fidelity.redact import SecretKeeper
    from probes.postgres import PostgresProbe
    from probes.postgres.data.collect import DataShape
    from probes.postgres.lanes import Lanes
    from probes.postgres.schema import Scope
    from probes.postgres.session import Session, Timeouts

    table, dsn = argument.split(" ", 1)
    keeper = SecretKeeper(b"bench")
    session = Session.open(dsn, Timeouts(10, 600_000, 5000))
    # As in the probe: the data is read on the first session and one other in its snapshot (`Lanes`),
    # which the probe opens while it reads the schema; so it is opened here before the clock starts.
    lanes = Lanes(session, 1)
    try:
        helpers = lanes.trim(1)
        start = time.perf_counter()
        shape = DataShape(session, DataOptions(tables=(table,)), Scope(("public",)), keeper,
                          helpers[0] if helpers else None)
        fingerprint = shape.read(["public"], [])["public"][table]
        seconds = time.perf_counter() - start
    finally:
        lanes.close()
        session.close()
    options = {o.name: o.default for o in PostgresProbe.option_schema}
    options |= {"dsn": dsn, "schemas": ["public"], "migrations": "off", "data": {"tables": [table]}}
    start = time.perf_counter()
    result = PostgresProbe("db", options, ProbeContext("bench", keeper)).collect()
    probe = time.perf_counter() - start
    return {"seconds": seconds, "probe": probe, "fingerprint": fingerprint,
            "gaps": len(shape.gaps) + len(result.gaps),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def fingerprint_in_child(shape: Shape, dsn: str) -> dict[str, Any]:
    """`fingerprint_once` in a fresh interpreter, so that its peak memory is its own."""
    return run_child(__file__, f"{shape.table} {dsn}")


def full_scans(shape: Shape, dsn: str) -> Scan:
    """Times of the two anchors, each a whole-table aggregate in a fresh connection (parallel as the
    server plans it): the exact aggregate computing what the fingerprint reports of every row (null
    fraction and average width of every column, average length of the text columns), and a plain
    `count(col)` of every column; and the exact null fractions."""
    import psycopg

    counts = ", ".join(f"count({c}) AS {c}" for c in shape.columns)
    widths = ", ".join([*(f"avg(pg_column_size({c}))" for c in shape.columns),
                        *(f"avg(length({c}))" for c in shape.text_columns)])
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        row = conn.execute(f"SELECT count(*), {counts}, {widths} FROM {shape.table}").fetchone()
        exact = time.perf_counter() - start
    with psycopg.connect(dsn) as conn:
        start = time.perf_counter()
        conn.execute(f"SELECT count(*), {counts} FROM {shape.table}").fetchone()
        plain = time.perf_counter() - start
    assert row is not None
    total = row[0]
    return exact, plain, {c: 1 - row[1 + i] / total for i, c in enumerate(shape.columns)}


def exact_lengths(shape: Shape, dsn: str) -> dict[str, dict[str, float]]:
    """Exact text-length histograms, bucketed as the fingerprint buckets them."""
    import psycopg

    from fidelity.probe.shape.decode import length_label
    from fidelity.probe.shape.measures import LENGTH_BOUNDS

    out: dict[str, dict[str, float]] = {}
    with psycopg.connect(dsn) as conn:
        for column in shape.text_columns:
            rows = conn.execute(f"SELECT width_bucket(length({column}), %s), count(*) FROM {shape.table} "
                                f"WHERE {column} IS NOT NULL GROUP BY 1", [list(LENGTH_BOUNDS)]).fetchall()
            total = sum(n for _, n in rows)
            out[column] = {length_label(str(b)): n / total for b, n in rows}
    return out


@contextmanager
def kept_database(server: str, name: str, ddl: list[str]) -> Iterator[str]:
    """The database `name`, built from `ddl` unless it exists; kept afterwards, for the next run."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = f"{server} dbname={name}"
    if not exists:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("\n".join(ddl).encode())
    yield dsn


def measure(server: str, sizes: tuple[tuple[Shape, int], ...], runs: int, keep: bool) -> list[dict[str, Any]]:
    """Median fingerprint and full-scan times on one table per size, with the fingerprint's accuracy.

    Every table is built first; then each run measures every size in turn, the fingerprint then the
    full scans, so that a change in the machine's load hits all the ratios alike.
    """
    import psycopg

    with ExitStack() as stack:
        dsns, built = [], []
        for shape, rows in sizes:
            started = time.perf_counter()
            if keep:
                dsn = stack.enter_context(kept_database(server, f"fidelity_bench_data_{shape.table}_{rows}",
                                                        shape.ddl(rows)))
            else:
                dsn = stack.enter_context(database(server, shape.ddl(rows)))
            with psycopg.connect(dsn, autocommit=True) as conn:  # after the load commits, as autovacuum would
                conn.execute(f"ANALYZE {shape.table}")
            dsns.append(dsn)
            built.append(time.perf_counter() - started)
        for (shape, _), dsn in zip(sizes, dsns, strict=True):  # warm the caches for every size
            fingerprint_in_child(shape, dsn)
            full_scans(shape, dsn)
        prints: list[list[dict[str, Any]]] = [[] for _ in sizes]
        scans: list[list[Scan]] = [[] for _ in sizes]
        for _ in range(runs):
            for i, ((shape, _), dsn) in enumerate(zip(sizes, dsns, strict=True)):
                prints[i].append(fingerprint_in_child(shape, dsn))
                scans[i].append(full_scans(shape, dsn))
        exact = [exact_lengths(shape, dsn) for (shape, _), dsn in zip(sizes, dsns, strict=True)]
    return [_summary(shape, rows, built[i], prints[i], scans[i], exact[i])
            for i, (shape, rows) in enumerate(sizes)]


def _summary(shape: Shape, rows: int, built: float, prints: list[dict[str, Any]], scans: list[Scan],
             exact: dict[str, dict[str, float]]) -> dict[str, Any]:
    fingerprint = prints[-1]["fingerprint"]
    nulls = scans[-1][2]
    columns = fingerprint["columns"]
    null_error = max(abs(columns[c]["null_fraction"] - nulls[c]) for c in shape.columns)
    js = max(math.sqrt(js_divergence(dict(columns[c]["lengths"]), exact[c])) for c in shape.text_columns)
    return {"table": shape.table, "rows": rows, "built": built,
            "seconds": statistics.median(p["seconds"] for p in prints),
            "probe": statistics.median(p["probe"] for p in prints),
            "scan": statistics.median(s[0] for s in scans),
            "count_scan": statistics.median(s[1] for s in scans),
            "peak_mb": max(p["peak_mb"] for p in prints), "sample": fingerprint["sample"],
            "null_error": null_error, "js": js, "gaps": max(p["gaps"] for p in prints)}


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed (times only at full size)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="40k flights, 20k and 200k rows, for CI")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"some of {', '.join(SIZES)}")
    parser.add_argument("--keep", action="store_true", help="keep the tables, and reuse kept ones")
    parser.add_argument("--server", default=SERVER, help="libpq parameters of the server to use")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(fingerprint_once(args.child)))
        return 0
    sizes = SMOKE if args.smoke else tuple(SIZES[name] for name in args.sizes.split(","))
    results = measure(args.server, sizes, 1 if args.smoke else args.runs, args.keep and not args.smoke)
    table = [(r["table"], f"{r['rows']:,}", f"{r['built']:.0f}", r["sample"]["method"],
              f"{r['sample']['rows']:,} / {r['sample']['shape_rows']:,}", f"{r['seconds']:.3f}",
              f"{r['probe']:.3f}", f"{r['count_scan']:.3f}", f"{r['seconds'] / r['count_scan']:.2f}",
              f"{r['scan']:.3f}", f"{r['seconds'] / r['scan']:.3f}", f"{r['null_error']:.4f}",
              f"{r['js']:.3f}",
              f"{r['peak_mb']:.0f}") for r in results]
    print(tabulate(table, headers=("table", "rows", "build s", "read", "rows read / examined",
                                   "fingerprint s", "whole probe s", "count(col) scan s", "ratio",
                                   "exact scan s", "ratio",
                                   "max null error", "max JS lengths", "peak MB"), tablefmt="github"))
    print()
    verdicts = [_report_mid(results[0])] if results[0]["table"] == FLIGHTS.table else []
    facts = [r for r in results if r["table"] == FACTS.table]
    accurate = all(r["gaps"] == 0 for r in results)
    if facts:
        close, fast = judge_scale(facts[0], facts[-1])
        accurate = accurate and close
        verdicts.append(fast)
    peak = max(r["peak_mb"] for r in results)
    print(f"peak memory of the fingerprint process: {peak:.0f} MB (target < {TARGET_MB} MB)")
    if args.smoke:
        return 0 if accurate else 1  # times mean nothing at smoke size
    return 0 if accurate and all(verdicts) and peak < TARGET_MB else 1


def _report_mid(mid: dict[str, Any]) -> bool:
    ratio = float(mid["seconds"] / mid["count_scan"])
    print(f"fingerprint / count(col) full scan at {mid['rows']:,} rows ({mid['table']}): {ratio:.2f}x "
          f"(target <= {TARGET_MID:g}x)")
    return ratio <= TARGET_MID


if __name__ == "__main__":
    sys.exit(main())
