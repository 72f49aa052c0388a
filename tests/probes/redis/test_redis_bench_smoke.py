"""The redis benchmark at smoke size, so that it keeps working (its time target is judged at full size)."""

from __future__ import annotations

import pytest

from benchmarks import redis_bench


def test_redis_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert redis_bench.main(["--smoke", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "keyspace shape / full SCAN at 20,000 keys" in out
    assert "pattern shares within" in out
