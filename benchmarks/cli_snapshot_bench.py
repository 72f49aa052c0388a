"""`fidelity snapshot` of a 2,000-table PostgreSQL database to a file, against `pg_dump --schema-only`.

Both are whole processes writing a file, interleaved on the same throwaway database (the schema of
`postgres_schema_bench.py`: 2,000 tables of 15 columns, keys, an index each, foreign keys, an enum,
100 views, 100 functions). The probe runs with its defaults (no data fingerprints) and
`migrations = "off"`, as pg_dump reads no migration table either. Target: ratio <= 0.5.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.harness import FIDELITY, Row, Run, interleave, median, run_process
from benchmarks.postgres_schema_bench import PG_DUMP_FALLBACK, SERVER, database, schema_ddl

TARGET_RATIO = 0.5
CONFIG = """[audit]
reference = "production"
[environments.production]
[probes.db]
type = "postgres"
dsn = "${BENCH_DSN}"
migrations = "off"
"""


def snapshot(config: Path, dsn: str) -> Run:
    """The subject: the whole `fidelity snapshot` process."""
    output = config.with_name("snapshot.json")
    return run_process([*FIDELITY, "snapshot", "-c", str(config), "--env", "production", "-o", str(output)],
                       env={"BENCH_DSN": dsn, "FIDELITY_SECRET_KEY": "bench-key"})


def pg_dump(folder: Path, dsn: str) -> Run:
    """The anchor: the whole `pg_dump --schema-only -f FILE` process."""
    binary = shutil.which("pg_dump") or PG_DUMP_FALLBACK
    return run_process([binary, "--schema-only", "-f", str(folder / "schema.sql"), "-d", dsn])


def rows(folder: Path, smoke: bool, runs: int, server: str = SERVER) -> list[Row]:
    """Row 3."""
    tables, objects = (30, 5) if smoke else (2000, 100)
    config = folder / "fidelity.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with database(server, schema_ddl(tables, objects, objects)) as dsn:
        subject, anchor = interleave(runs, lambda: snapshot(config, dsn), lambda: pg_dump(folder, dsn))
    size = (folder / "snapshot.json").stat().st_size / 1e6
    return [Row(f"snapshot of {tables:,} PostgreSQL tables to a file", median(subject), median(anchor),
                TARGET_RATIO, "pg_dump --schema-only -f FILE",
                note=f"snapshot file {size:.1f} MB, peak RSS {max(r.peak_mb for r in subject):.0f} MB; "
                     f"pg_dump's file {(folder / 'schema.sql').stat().st_size / 1e6:.1f} MB")]
