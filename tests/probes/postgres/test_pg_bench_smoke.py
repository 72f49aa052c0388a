"""The PostgreSQL benchmark runs at smoke size so that it keeps working; full size checks its targets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks import postgres_schema_bench
from benchmarks.harness import Skipped


def test_postgres_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert postgres_schema_bench.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "snapshot / pg_dump --schema-only at 30 tables" in out
    # 20 on the first connection, and the snapshot shared with two more: its export, then on each
    # of them the import and the session settings
    assert "queries: 25 at 3 tables, 25 at 30 (target: equal)" in out
    assert "peak memory of the snapshot process" in out


def test_data_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import data_bench

    assert data_bench.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "fingerprint / exact full scan at 200,000 rows" in out
    assert "accuracy at 200,000 rows: null fractions within" in out
    assert "peak memory of the fingerprint process" in out


def test_majors_bench_smoke(tmp_path: Path) -> None:
    """`--only majors`: PostgreSQL 14 and 15 against pg_dump, the newest major against 15."""
    from benchmarks import cli_snapshot_majors_bench

    found = cli_snapshot_majors_bench.rows(tmp_path, smoke=True, runs=1)
    if isinstance(found, Skipped):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL majors are required under CI: {found.reason}")
        pytest.skip(f"PostgreSQL majors are not available here (under CI this test fails): {found.reason}")
    assert [(row.benchmark.rsplit(" ", 1)[1].split(".")[0], row.anchor_name.split(" on ")[0], row.target)
            for row in found] == [("14", "pg_dump --schema-only", 0.5), ("15", "pg_dump --schema-only", 0.5),
                                  ("18", "the same snapshot", 1.3)]
    assert all(row.finite() for row in found)
