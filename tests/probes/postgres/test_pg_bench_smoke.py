"""The PostgreSQL benchmark runs at smoke size so that it keeps working; full size checks its targets."""

from __future__ import annotations

import pytest

from benchmarks import postgres_schema_bench


def test_postgres_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert postgres_schema_bench.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "snapshot / pg_dump --schema-only at 30 tables" in out
    assert "queries: 20 at 3 tables, 20 at 30 (target: equal)" in out
    assert "peak memory of the snapshot process" in out


def test_data_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import data_bench

    assert data_bench.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "fingerprint / exact full scan at 200,000 rows" in out
    assert "accuracy at 200,000 rows: null fractions within" in out
    assert "peak memory of the fingerprint process" in out
