"""The Kubernetes benchmark keeps working at smoke size; its 1.5x target is checked at full size."""

from __future__ import annotations

import re

import pytest

from benchmarks import kubernetes_bench


def test_kubernetes_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert kubernetes_bench.main(["--smoke", "--runs", "1"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"ratio snapshot / plain reads: \d+\.\d\dx \(target ≤ 1\.5x\)", out)
    # 12 default kinds x 1 page in each of 2 namespaces, plus /version, /apis, nodes and CRDs.
    assert "request count: 28\n" in out
    assert "28 = 24 list pages + 4 fixed calls" in out
