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


@pytest.mark.slow
def test_whole_process_benchmarks_smoke() -> None:
    """`python -m benchmarks --smoke`: every row is there with finite numbers (speed is never asserted)."""
    import math

    from benchmarks.__main__ import main

    lines: list[str] = []
    code = main(["--smoke", "--runs", "1"], out=lambda text: lines.extend(str(text).split("\n")))
    assert code == 0, "\n".join(lines)
    header = next(i for i, line in enumerate(lines) if line.startswith("| benchmark"))
    end = lines.index("", header)
    table = lines[header + 2:end]  # the summary table, without its header and rule
    expected = ["audit, 2 JSON files", "audit at 4,000 leaves / at 2,000", "snapshot of 30 PostgreSQL",
                "diff of 2 snapshots of 5,000 keys",
                "audit, 4 probe types", "fidelity --help", "fidelity probes"]
    for start in expected:
        assert any(line.startswith(f"| {start}") for line in table), (start, lines)
    assert any(line.startswith("| diff of 2 snapshots") and "peak RSS" in line for line in table), lines
    html_row = any(line.startswith("| HTML report of 100 findings") for line in table)
    assert html_row or any(line.startswith("skipped HTML report") for line in lines), lines
    for line in table:
        cells = [c.strip() for c in line.strip("|").split("|")]
        numbers = [c.removesuffix(" s").removesuffix(" MB").removesuffix("x").replace(",", "")
                   for c in cells[1:3] + cells[4:5] if c != "-"]
        assert numbers, line
        assert all(math.isfinite(float(n)) for n in numbers), line
    assert any(line.startswith("| probe production/db ") for line in lines), lines
    assert any(line.startswith("| probe staging/k8s ") for line in lines), lines
    assert any(line.startswith("| html report: render") for line in lines), lines
