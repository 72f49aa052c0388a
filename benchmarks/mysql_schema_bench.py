"""MySQL/MariaDB probe benchmark: `fidelity snapshot` of 2,000 tables against `mariadb-dump --no-data`.

Run `python -m benchmarks.mysql_schema_bench` (full size: 2,000 tables of 15 columns, primary
keys, an index and a check per table, a foreign key on every third table, 100 views, 100
functions) or `--smoke` for a quick run. It needs the local server (127.0.0.1:3306, root) and
`mariadb-dump` (or `mysqldump`). Targets, checked at full size:

* `fidelity snapshot` as a whole process (start-up, connect, read, assemble, write the JSON
  file) at most 0.5x the wall time of `mariadb-dump --no-data --routines --events` on the same
  database, the two run alternately, median of the runs;
* the number of queries does not depend on the number of tables (a small schema is read too);
* peak memory (maximum resident set of the snapshot process) under 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tabulate import tabulate

from benchmarks.child import ROOT, run_child

HOST, PORT, USER = "127.0.0.1", 3306, "root"
TARGET_RATIO, TARGET_MB = 0.5, 200
CONFIG = """
[audit]
reference = "bench"
[environments.bench]
[probes.db]
type = "mysql"
dsn = "{dsn}"
statement_timeout = 600000
"""


def schema_ddl(tables: int, views: int, functions: int) -> list[str]:
    """The benchmark schema as SQL statements."""
    parts = []
    for i in range(tables):
        columns = ["id BIGINT NOT NULL PRIMARY KEY", "status ENUM('new','active','retired') NOT NULL",
                   "name VARCHAR(100) NOT NULL",
                   "created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP",
                   "amount DECIMAL(12,2) CHECK (amount >= 0)"]
        columns += [f"c{c} {('INT', 'TEXT', 'BOOLEAN', 'DATE', 'JSON')[c % 5]}" for c in range(9)]
        columns.append("parent_id BIGINT")
        keys = ["KEY by_name (name, created_at)"]
        if i % 3 == 2:
            keys.append(f"FOREIGN KEY (parent_id) REFERENCES t{i - 1:04d} (id)")
        parts.append(f"CREATE TABLE t{i:04d} ({', '.join(columns + keys)}) ENGINE=InnoDB")
    for v in range(views):
        parts.append(f"CREATE VIEW v{v:03d} AS SELECT id, name, status FROM t{v * tables // views:04d}"
                     " WHERE status <> 'retired'")
    for f in range(functions):
        parts.append(f"CREATE FUNCTION f{f:03d}(x INT) RETURNS INT DETERMINISTIC RETURN x + {f}")
    return parts


@contextmanager
def database(ddl: list[str]) -> Iterator[str]:
    """A throwaway database holding `ddl`; yields its name."""
    import pymysql

    name = f"fidelity_bench_{secrets.token_hex(4)}"
    conn = pymysql.connect(host=HOST, port=PORT, user=USER, autocommit=True)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE `{name}`")
            cursor.execute(f"USE `{name}`")
            for statement in ddl:
                cursor.execute(statement)
        yield name
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def dsn(name: str) -> str:
    """The probe's DSN for a database on the local server."""
    return f"mysql://{USER}@{HOST}:{PORT}/{name}"


def snapshot_once(name: str) -> dict[str, Any]:
    """Read the catalog once in this process: the query count, table count and gaps."""
    from fidelity.redact import SecretKeeper
    from probes.mysql.collect import Catalog, Request
    from probes.mysql.schema import Scope
    from probes.mysql.session import Session

    session = Session.open({"dsn": dsn(name), "statement_timeout": 600_000})
    try:
        catalog = Catalog(session, Request(Scope(dsn_database=name), migrations=("django",)),
                          SecretKeeper(b"bench"))
        data = catalog.read()
    finally:
        session.close()
    tables = sum(len(schema["tables"]) for schema in data["schema"].values())
    return {"queries": session.queries, "tables": tables, "gaps": len(catalog.gaps)}


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and peak resident memory (MB) of one whole process, its output discarded."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode()[-500:] if process.stderr else ""
        raise RuntimeError(f"{command[0]} failed: {error}")
    return seconds, usage.ru_maxrss / 1024


def measure(tables: int, objects: int, runs: int) -> dict[str, Any]:
    """Median `fidelity snapshot` and dump times on one generated schema."""
    dump = shutil.which("mariadb-dump") or shutil.which("mysqldump") or "mariadb-dump"
    with database(schema_ddl(tables, objects, objects)) as name, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "fidelity.toml"
        config.write_text(CONFIG.format(dsn=dsn(name)), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        snapshot = [sys.executable, "-m", "fidelity", "snapshot", "-c", str(config), "--env", "bench",
                    "-o", str(Path(tmp) / "bench.json")]
        dumping = [dump, "--no-data", "--routines", "--events", f"-h{HOST}", f"-P{PORT}", f"-u{USER}", name]
        timed(snapshot, env)  # warm the server's caches for both tools
        timed(dumping)
        snaps, dumps = [], []
        for _ in range(runs):  # alternate, so that a change in the machine's load hits both
            snaps.append(timed(snapshot, env))
            dumps.append(timed(dumping)[0])
        row = run_child(__file__, name)
        row["bytes"] = (Path(tmp) / "bench.json").stat().st_size
    row["seconds"] = statistics.median(s for s, _ in snaps)
    row["peak_mb"] = max(m for _, m in snaps)
    row["dump"] = statistics.median(dumps)
    return row


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table and ratios; exit 1 if a target is missed at full size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a small schema, for CI")
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(snapshot_once(args.child)))
        return 0
    tables, objects, runs = (30, 5, 1) if args.smoke else (args.tables, 100, args.runs)
    full = measure(tables, objects, runs)
    small = measure(max(3, tables // 100), 2, 1)
    rows = [(r["tables"], r["queries"], f"{r['seconds']:.3f}", f"{r['dump']:.3f}",
             f"{r['seconds'] / r['dump']:.2f}", f"{r['peak_mb']:.0f}", f"{r['bytes'] / 1e6:.1f}")
            for r in (small, full)]
    print(tabulate(rows, headers=("tables", "queries", "fidelity snapshot s", "mariadb-dump s", "ratio",
                                  "peak MB", "JSON MB"), tablefmt="github"))
    ratio = full["seconds"] / full["dump"]
    print()
    print(f"fidelity snapshot / mariadb-dump --no-data at {full['tables']} tables: {ratio:.2f}x "
          f"(target <= {TARGET_RATIO}x)")
    print(f"queries: {small['queries']} at {small['tables']} tables, {full['queries']} at {full['tables']} "
          "(target: equal)")
    print(f"peak memory of the snapshot process: {full['peak_mb']:.0f} MB (target < {TARGET_MB} MB)")
    constant = small["queries"] == full["queries"] and full["gaps"] == 0
    if args.smoke:
        return 0 if constant else 1  # times and memory mean nothing at smoke size
    return 0 if constant and ratio <= TARGET_RATIO and full["peak_mb"] < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
