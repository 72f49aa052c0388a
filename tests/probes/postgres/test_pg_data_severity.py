"""How differences between two data-shape fingerprints are judged (no server needed)."""

from __future__ import annotations

from typing import Any

from fidelity.model import Category, Change, Severity
from fidelity.probe import DiffChange
from fidelity.probe.shape.judge import assess


def _tree(key: str, rows: int, **column: Any) -> dict[str, Any]:
    table = {"rows": "1k+", "size": "1 MB+", "sample": {"rows": rows, "shape_rows": min(rows, 3000),
                                                        "method": "whole table"},
             "columns": {"c": {"kind": "text", "null_fraction": 0.0, **column}}}
    return {"data_key": key, "data": {"public": {"t": table}}}


def _judge(path: str, reference: dict[str, Any], candidate: dict[str, Any]) -> Severity | None:
    segments = tuple(path.split("/"))
    ref, cand = reference, candidate
    for segment in segments:
        ref, cand = ref.get(segment) if isinstance(ref, dict) else None, \
            cand.get(segment) if isinstance(cand, dict) else None
    change = DiffChange(segments, Change.CHANGED, ref, cand)
    verdict = assess(change, reference, candidate)
    assert verdict.category is Category.DATA
    return verdict.severity


VALUES = "data/public/t/columns/c/values"


def test_value_labels_under_different_keys_are_compared_by_rank() -> None:
    same_shape = _judge(VALUES, _tree("k1", 2000, values=[["aa", 0.7], ["bb", 0.3]]),
                        _tree("k2", 2000, values=[["cc", 0.3], ["dd", 0.7]]))
    assert same_shape is None
    other_shape = _judge(VALUES, _tree("k1", 2000, values=[["aa", 0.5], ["bb", 0.5]]),
                         _tree("k2", 2000, values=[["cc", 1.0]]))
    assert other_shape is Severity.MEDIUM


def test_value_labels_under_one_key_are_compared_by_label() -> None:
    swapped = _judge(VALUES, _tree("k", 2000, values=[["aa", 0.9], ["bb", 0.1]]),
                     _tree("k", 2000, values=[["aa", 0.1], ["bb", 0.9]]))
    assert swapped is Severity.MEDIUM  # EUR-heavy production, USD-heavy staging


def test_distinct_ratios_of_incomparable_samples_are_not_compared() -> None:
    path = "data/public/t/columns/c/distinct_ratio"
    big, small = _tree("k", 1_000_000, distinct_ratio=0.02), _tree("k", 1000, distinct_ratio=0.9)
    assert _judge(path, big, small) is None  # 3,000 values examined against 1,000: shape only
    same = _tree("k", 3000, distinct_ratio=0.02), _tree("k", 3000, distinct_ratio=0.9)
    assert _judge(path, *same) is Severity.MEDIUM


def test_orders_of_magnitude() -> None:
    def rows(a: str, b: str) -> Severity | None:
        ref, cand = _tree("k", 10), _tree("k", 10)
        ref["data"]["public"]["t"]["rows"], cand["data"]["public"]["t"]["rows"] = a, b
        return _judge("data/public/t/rows", ref, cand)

    assert rows("1k+", "10k+") is None
    assert rows("1k+", "100k+") is Severity.LOW
    assert rows("0", "10+") is Severity.LOW


def test_widths_spreads_and_quantiles() -> None:
    width = "data/public/t/columns/c/avg_width"
    assert _judge(width, _tree("k", 10, avg_width=10.0), _tree("k", 10, avg_width=14.0)) is None
    assert _judge(width, _tree("k", 10, avg_width=10.0), _tree("k", 10, avg_width=30.0)) is Severity.LOW
    spread = "data/public/t/columns/c/spread_days"
    assert _judge(spread, _tree("k", 10, spread_days=400), _tree("k", 10, spread_days=300)) is None
    assert _judge(spread, _tree("k", 10, spread_days=400), _tree("k", 10, spread_days=3)) is Severity.LOW
    quantiles = "data/public/t/columns/c/quantiles"
    base = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0]
    assert _judge(quantiles, _tree("k", 10, quantiles=base),
                  _tree("k", 10, quantiles=[q * 1.02 for q in base])) is None
    assert _judge(quantiles, _tree("k", 10, quantiles=base),
                  _tree("k", 10, quantiles=[q * 2 for q in base])) is Severity.MEDIUM


def _json_change(missing_from: str, reference_docs: int, candidate_docs: int) -> Severity | None:
    keys = {"plan": {"presence": 0.3, "types": [["string", 1.0]]}}
    reference = _tree("k", reference_docs, kind="json", keys=keys)
    candidate = _tree("k", candidate_docs, kind="json", keys={})
    path = ("data", "public", "t", "columns", "c", "keys", "plan")
    if missing_from == "reference":
        reference, candidate = candidate, reference
    change = DiffChange(path, Change.MISSING if missing_from == "candidate" else Change.EXTRA,
                        keys["plan"] if missing_from == "candidate" else None,
                        None if missing_from == "candidate" else keys["plan"])
    return assess(change, reference, candidate).severity


def test_a_key_path_absent_from_a_side_too_small_to_show_it_is_no_finding() -> None:
    assert _json_change("candidate", 2000, 2000) is Severity.MEDIUM
    assert _json_change("reference", 2000, 2000) is Severity.MEDIUM
    assert _json_change("candidate", 2000, 1) is None  # one document: every key folds as rare
    assert _json_change("candidate", 2000, 12) is None


def _sampled(null_fraction: float, blocks: int, statistics: bool = False, **column: Any) -> dict[str, Any]:
    tree = _tree("k", 30_000, null_fraction=null_fraction, **column)
    sample = tree["data"]["public"]["t"]["sample"]
    sample.update(method="block sample", shape_rows=2000, blocks=blocks, statistics=statistics)
    return tree


def test_never_null_against_often_null_is_found_in_a_block_sample() -> None:
    path = "data/public/t/columns/c/null_fraction"
    assert _judge(path, _sampled(0.0993, 150), _sampled(0.0, 150)) is Severity.MEDIUM
    assert _judge(path, _sampled(0.06, 3), _sampled(0.0, 3)) is None  # three blocks prove nothing


def test_block_samples_count_blocks_unless_analyze_spread_the_rows() -> None:
    path = "data/public/t/columns/c/null_fraction"
    assert _judge(path, _sampled(0.30, 40), _sampled(0.38, 40)) is None  # 40 clumps of alike rows
    assert _judge(path, _sampled(0.30, 40, True), _sampled(0.38, 40, True)) is Severity.LOW


def test_a_wobbling_average_width_is_no_finding() -> None:
    path = "data/public/t/columns/c/avg_width"
    heavy_tail = _judge(path, _tree("k", 2000, avg_width=29.2, width_spread=1400.0),
                        _tree("k", 2000, avg_width=61.2, width_spread=2200.0))
    assert heavy_tail is None
    steady = _judge(path, _tree("k", 2000, avg_width=29.2, width_spread=3.0),
                    _tree("k", 2000, avg_width=61.2, width_spread=4.0))
    assert steady is Severity.LOW
