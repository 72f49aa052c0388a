"""PostgreSQL probe benchmark: a snapshot of a 2,000-table schema against `pg_dump --schema-only`.

Run `python -m benchmarks.postgres_schema_bench` (full size: 2,000 tables of 15 columns,
primary keys, an index per table, a foreign key on every third table, an enum, 100 views
and 100 functions) or `--smoke` for a quick run. It needs the local server (`--server`)
and `pg_dump`. Targets, checked at full size:

* snapshot wall time (connect, read the catalog, assemble the probe's tree) at most 0.5x that
  of `pg_dump --schema-only` on the same database; the JSON serialisation that `fidelity
  snapshot` adds (generic to every probe) is shown beside it;
* the number of queries does not depend on the number of tables (a small schema is read too);
* peak memory (maximum resident set of the snapshot process) under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tabulate import tabulate

from benchmarks.child import run_child

SERVER = "host=127.0.0.1 port=5432 user=postgres"
PG_DUMP_FALLBACK = "/usr/lib/postgresql/15/bin/pg_dump"
TARGET_RATIO, TARGET_MB = 0.5, 200


def schema_ddl(tables: int, views: int, functions: int) -> list[str]:
    """The benchmark schema as SQL statements."""
    parts = ["CREATE TYPE status AS ENUM ('new', 'active', 'retired');"]
    for i in range(tables):
        columns = ["id bigint PRIMARY KEY", "status status NOT NULL DEFAULT 'new'", "name text NOT NULL",
                   "created_at timestamptz NOT NULL DEFAULT now()",
                   "amount numeric(12,2) CHECK (amount >= 0)"]
        columns += [f"c{c} {('integer', 'text', 'boolean', 'date', 'jsonb')[c % 5]}" for c in range(9)]
        columns.append(f"parent_id bigint REFERENCES t{i - 1:04d} (id)" if i % 3 == 2 else "parent_id bigint")
        parts.append(f"CREATE TABLE t{i:04d} ({', '.join(columns)});")
        parts.append(f"CREATE INDEX ON t{i:04d} (name, created_at);")
    for v in range(views):
        parts.append(f"CREATE VIEW v{v:03d} AS SELECT id, name, status FROM t{v * tables // views:04d}"
                     " WHERE status <> 'retired';")
    for f in range(functions):
        parts.append(f"CREATE FUNCTION f{f:03d}(x integer) RETURNS integer LANGUAGE plpgsql AS"
                     f" $$ BEGIN RETURN x + {f}; END $$;")
    return parts


@contextmanager
def database(server: str, ddl: list[str]) -> Iterator[str]:
    """A throwaway database holding `ddl`; yields its DSN."""
    import psycopg
    from psycopg import sql

    name = f"fidelity_bench_{secrets.token_hex(4)}"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with psycopg.connect(f"{server} dbname={name}", autocommit=True) as conn:
            for start in range(0, len(ddl), 200):  # one transaction per batch: its locks stay few
                conn.execute("\n".join(ddl[start:start + 200]).encode())
        yield f"{server} dbname={name}"
    finally:
        with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def snapshot_once(dsn: str) -> dict[str, Any]:
    """Take one snapshot in this process: its time, query count, size and peak memory."""
    from fidelity.redact import SecretKeeper
    from fidelity.snapshot import plain
    from probes.postgres.collect import Catalog, Request
    from probes.postgres.schema import Scope
    from probes.postgres.session import Session, Timeouts

    start = time.perf_counter()
    session = Session.open(dsn, Timeouts(10, 600_000, 5000))
    try:
        data, gaps = Catalog(session, Request(Scope()), SecretKeeper(b"bench")).read()
    finally:
        session.close()
    collected = time.perf_counter()
    text = json.dumps(plain(data), indent=1, ensure_ascii=False)  # as `fidelity snapshot` writes it
    tables = sum(len(schema["tables"]) for schema in data["schema"].values())
    return {"seconds": collected - start, "serialise": time.perf_counter() - collected,
            "queries": session.queries, "tables": tables, "gaps": len(gaps), "bytes": len(text),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def snapshot_in_child(dsn: str) -> dict[str, Any]:
    """Run `snapshot_once` in a fresh interpreter, so that its peak memory is its own."""
    return run_child(__file__, dsn)


def pg_dump_seconds(dsn: str) -> float:
    """Wall time of `pg_dump --schema-only` on the database, output discarded."""
    pg_dump = shutil.which("pg_dump") or PG_DUMP_FALLBACK
    start = time.perf_counter()
    subprocess.run([pg_dump, "--schema-only", "-d", dsn], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(server: str, tables: int, views: int, functions: int, runs: int) -> dict[str, Any]:
    """Median snapshot and pg_dump times on one generated schema."""
    with database(server, schema_ddl(tables, views, functions)) as dsn:
        snapshot_in_child(dsn)  # warm the server's caches for both tools
        pg_dump_seconds(dsn)
        samples, dumps = [], []
        for _ in range(runs):  # alternate, so that a change in the machine's load hits both
            samples.append(snapshot_in_child(dsn))
            dumps.append(pg_dump_seconds(dsn))
    row = dict(samples[-1])
    row["seconds"] = statistics.median(s["seconds"] for s in samples)
    row["serialise"] = statistics.median(s["serialise"] for s in samples)
    row["peak_mb"] = max(s["peak_mb"] for s in samples)
    row["pg_dump"] = statistics.median(dumps)
    return row


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed at full size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a small schema, for CI")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--server", default=SERVER, help="libpq parameters of the server to use")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(snapshot_once(args.child)))
        return 0
    tables, objects, runs = (30, 5, 1) if args.smoke else (args.tables, 100, args.runs)
    full = measure(args.server, tables, objects, objects, runs)
    small = measure(args.server, max(3, tables // 100), 2, 2, 1)
    rows = [(r["tables"], r["queries"], f"{r['seconds']:.3f}", f"{r['pg_dump']:.3f}",
             f"{r['seconds'] / r['pg_dump']:.2f}", f"{r['serialise']:.3f}", f"{r['peak_mb']:.0f}",
             f"{r['bytes'] / 1e6:.1f}") for r in (small, full)]
    print(tabulate(rows, headers=("tables", "queries", "snapshot s", "pg_dump s", "ratio", "+ JSON s",
                                  "peak MB", "JSON MB"), tablefmt="github"))
    ratio = full["seconds"] / full["pg_dump"]
    with_json = (full["seconds"] + full["serialise"]) / full["pg_dump"]
    print()
    print(f"snapshot / pg_dump --schema-only at {full['tables']} tables: {ratio:.2f}x "
          f"(target <= {TARGET_RATIO}x); with fidelity's JSON serialisation: {with_json:.2f}x")
    print(f"queries: {small['queries']} at {small['tables']} tables, {full['queries']} at {full['tables']} "
          "(target: equal)")
    print(f"peak memory of the snapshot process: {full['peak_mb']:.0f} MB (target < {TARGET_MB} MB)")
    constant = small["queries"] == full["queries"] and full["gaps"] == 0
    if args.smoke:
        return 0 if constant else 1  # times and memory mean nothing at smoke size
    return 0 if constant and ratio <= TARGET_RATIO and full["peak_mb"] < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
