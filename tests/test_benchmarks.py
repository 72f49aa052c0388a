"""Benchmarks run at smoke size, so that they keep working; their targets are checked at full size."""

from __future__ import annotations

import pytest

from benchmarks import diff_bench


def test_diff_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert diff_bench.main(["--smoke", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert "speed-up over DeepDiff" in out
    assert "time growth when leaves double" in out


def test_secret_shapes_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import secret_shapes_bench

    assert secret_shapes_bench.main(["--smoke", "--runs", "1"]) == 0
    assert "µs/leaf" in capsys.readouterr().out
