"""The MySQL/MariaDB benchmark runs at smoke size so that it keeps working; full size checks its targets."""

from __future__ import annotations

import pytest

from benchmarks import mysql_schema_bench


def test_mysql_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert mysql_schema_bench.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "fidelity snapshot / mariadb-dump --no-data at 30 tables" in out
    assert "peak memory of the snapshot process" in out
    queries = next(line for line in out.splitlines() if line.startswith("queries: "))
    counts = [int(word) for word in queries.split() if word.isdigit()]
    assert counts[0] == counts[2]  # "queries: N at 3 tables, N at 30"
