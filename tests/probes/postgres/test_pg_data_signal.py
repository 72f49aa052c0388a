"""Data-shape signal quality: distinct ratios across sampling designs, row-count ratios, letter case,
severities that follow the size of the effect, folded JSON keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pgfixtures import Databases, audit, collect, databases, drift, messages, snapshot

from fidelity.model import Change, Severity, Verdict
from fidelity.policy import Policy, build_report
from fidelity.probe import DiffChange
from fidelity.probe.shape.judge import assess

DATA = "db/data/public"


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _tree(rows: int, row_count: float | None = None, **column: Any) -> dict[str, Any]:
    sample: dict[str, Any] = {"rows": rows, "shape_rows": min(rows, 2000), "method": "whole table"}
    table: dict[str, Any] = {"rows": "1k+", "size": "1 MB+", "sample": sample,
                             "columns": {"c": {"kind": "text", "null_fraction": 0.0, **column}}}
    if row_count is not None:
        table["row_count"] = row_count
    return {"data_key": "k", "data": {"public": {"t": table}}}


def _judge(path: str, reference: dict[str, Any], candidate: dict[str, Any]) -> tuple[Severity | None, str]:
    segments = tuple(path.split("/"))
    ref: Any = reference
    cand: Any = candidate
    for segment in segments:
        ref = ref.get(segment) if isinstance(ref, dict) else None
        cand = cand.get(segment) if isinstance(cand, dict) else None
    verdict = assess(DiffChange(segments, Change.CHANGED, ref, cand), reference, candidate)
    return verdict.severity, verdict.message


def test_row_counts_are_compared_by_their_actual_ratio() -> None:
    def rows(a: float, b: float, la: str, lb: str) -> tuple[Severity | None, str]:
        ref, cand = _tree(10, a), _tree(10, b)
        ref["data"]["public"]["t"]["rows"], cand["data"]["public"]["t"]["rows"] = la, lb
        return _judge("data/public/t/rows", ref, cand)

    severity, message = rows(1458, 73, "1k+", "10+")
    assert severity is None  # 20×, like 5,000 against 250: not two orders of magnitude
    assert "20× as many" in message
    assert "1.3 orders of magnitude" in message
    assert rows(336_776, 100, "100k+", "100+")[0] is Severity.HIGH
    assert rows(30_000, 200, "10k+", "100+")[0] is Severity.LOW


def test_large_effects_are_high_and_small_ones_stay_low() -> None:
    nulls = "data/public/t/columns/c/null_fraction"
    assert _judge(nulls, _tree(2000, null_fraction=0.025), _tree(2000, null_fraction=1.0))[0] is Severity.HIGH
    assert _judge(nulls, _tree(2000, null_fraction=0.3), _tree(2000, null_fraction=0.37))[0] is Severity.LOW
    empty = "data/public/t/columns/c/empty_fraction"
    all_empty = _judge(empty, _tree(2000, empty_fraction=0.01), _tree(2000, empty_fraction=1.0))
    assert all_empty[0] is Severity.HIGH
    magnitudes = "data/public/t/columns/c/magnitudes"
    unit_error = _judge(magnitudes, _tree(2000, magnitudes=[["1e0", 0.3], ["1e1", 0.7]]),
                        _tree(2000, magnitudes=[["1e3", 0.3], ["1e4", 0.7]]))
    assert unit_error[0] is Severity.HIGH
    assert "+3 orders" in unit_error[1]
    assert _judge(magnitudes, _tree(2000, magnitudes=[["1e0", 0.3], ["1e1", 0.7]]),
                  _tree(2000, magnitudes=[["1e1", 0.3], ["1e2", 0.7]]))[0] is Severity.MEDIUM
    labels = "data/public/t/columns/c/labels"
    assert _judge(labels, _tree(2000, labels=[["a", 0.8], ["b", 0.2]]),
                  _tree(2000, labels=[["b", 1.0]]))[0] is Severity.HIGH
    assert _judge(labels, _tree(2000, labels=[["a", 0.4], ["b", 0.3], ["c", 0.3]]),
                  _tree(2000, labels=[["b", 0.5], ["c", 0.5]]))[0] is Severity.MEDIUM
    upper = "data/public/t/columns/c/chars/upper"
    upper_case, lower_case = _tree(2000, chars={"upper": 1.0}), _tree(2000, chars={"upper": 0.0})
    assert _judge(upper, upper_case, lower_case)[0] is Severity.HIGH
    assert _judge(upper, lower_case, upper_case)[0] is Severity.MEDIUM  # gained, not lost


def test_a_json_key_in_most_reference_documents_and_absent_from_the_candidate_is_high() -> None:
    keys = {"plan": {"presence": 0.84, "types": [["string", 1.0]]}}
    reference = _tree(2000, kind="json", keys=keys)
    candidate = _tree(2000, kind="json", keys={})
    path = ("data", "public", "t", "columns", "c", "keys", "plan")
    change = DiffChange(path, Change.MISSING, keys["plan"], None)
    assert assess(change, reference, candidate).severity is Severity.HIGH
    extra = DiffChange(path, Change.EXTRA, None, keys["plan"])
    assert assess(extra, candidate, reference).severity is Severity.MEDIUM


def test_distinct_ratios_of_different_sampling_designs_are_not_compared() -> None:
    path = "data/public/t/columns/c/distinct_ratio"
    block = _tree(30_000, distinct_ratio=0.69)
    block["data"]["public"]["t"]["sample"].update(method="block sample", blocks=48, statistics=False)
    severity, message = _judge(path, block, _tree(2000, distinct_ratio=0.97))
    assert severity is None
    assert "block sample against whole table" in message


#: Time-ordered rows from one distribution: production is larger (block-sampled), staging is read whole.
TIME_ORDERED = """
SELECT setseed({seed});
CREATE TABLE events (at timestamptz);
INSERT INTO events
SELECT at
FROM (SELECT date_trunc('hour', timestamptz '2024-01-01' + random() * interval '400 days') AS at
      FROM generate_series(1, {rows})) s
ORDER BY at;
ANALYZE events;
"""


@pytest.mark.parametrize("seed", [0.1, 0.4, 0.8])
def test_same_distribution_larger_block_sampled_against_smaller_whole_gives_no_findings(
        pg: Databases, seed: float) -> None:
    production = pg.create(TIME_ORDERED.format(seed=seed, rows=60_000))
    staging = pg.create(TIME_ORDERED.format(seed=seed / 2 + 0.05, rows=3_000))
    options: dict[str, Any] = {"data": {"sample_rows": 3_000, "seed": int(seed * 10)}}
    reference = snapshot(production, "production", **options)
    assert reference.probes["db"].data["data"]["public"]["events"]["sample"]["method"] == "block sample"
    candidate = snapshot(staging, "staging", **options)
    assert candidate.probes["db"].data["data"]["public"]["events"]["sample"]["method"] == "whole table"
    report = build_report(reference, [candidate], Policy())
    assert drift(report) == {}, messages(report)


def test_letter_case_is_found(pg: Databases) -> None:
    ddl = "CREATE TABLE parts (code text); INSERT INTO parts SELECT {code} FROM generate_series(1, 3000) i;"
    report = audit(pg.create(ddl.format(code="'N' || (10000 + i)")),
                   pg.create(ddl.format(code="'n' || (10000 + i)")), data=True)
    found = drift(report)
    assert found[f"{DATA}/parts/columns/code/chars/upper"] == ("changed", "high")
    assert found[f"{DATA}/parts/columns/code/chars/lower"] == ("changed", "medium")
    assert report.verdict is Verdict.FAIL


LARGE_EFFECTS = """
CREATE TABLE accounts (id int, region text, amount numeric, doc jsonb);
INSERT INTO accounts
SELECT i, {region}, {amount}, {doc} FROM generate_series(1, 3000) i;
CREATE TABLE ledger (id int);
INSERT INTO ledger SELECT generate_series(1, {ledger});
"""


def test_large_data_effects_fail_the_default_gate(pg: Databases) -> None:
    production = pg.create(LARGE_EFFECTS.format(
        region="CASE WHEN i % 40 = 0 THEN NULL ELSE 'eu' END", amount="(i % 90) + 10",
        doc="CASE WHEN i % 100 < 84 THEN '{\"plan\": \"pro\"}' ELSE '{}' END::jsonb", ledger=336_776))
    staging = pg.create(LARGE_EFFECTS.format(region="NULL::text", amount="((i % 90) + 10) * 1000",
                                             doc="'{}'::jsonb", ledger=100))
    found = drift(audit(production, staging, data=True))
    assert found[f"{DATA}/accounts/columns/region/null_fraction"] == ("changed", "high")
    assert found[f"{DATA}/accounts/columns/amount/magnitudes"] == ("changed", "high")
    assert found[f"{DATA}/accounts/columns/doc/keys/plan"] == ("missing", "high")
    assert found[f"{DATA}/ledger/rows"] == ("changed", "high")


FOLDED = """
CREATE TABLE docs (doc jsonb);
INSERT INTO docs
SELECT jsonb_build_object('tenant', jsonb_build_object('t' || (i % 7), jsonb_build_object('n', i)))
FROM generate_series(1, 2000) i;
"""


def test_json_keys_fold_folds_every_key_below_the_depth(pg: Databases) -> None:
    database = pg.create(FOLDED)
    kept = collect(database, data=True).data["data"]["public"]["docs"]["columns"]["doc"]["keys"]
    assert "tenant.t3" in kept
    folded = collect(database, data={"json_keys": "fold", "json_fold_depth": 1}).data["data"]
    keys = folded["public"]["docs"]["columns"]["doc"]["keys"]
    assert set(keys) == {"$", "tenant", "tenant.<key>", "tenant.<key>.<key>"}
    assert keys["tenant.<key>"]["presence"] == 1.0


SECRET_MAP = """
CREATE TABLE integrations (id int, settings jsonb);
INSERT INTO integrations
SELECT g, jsonb_build_object('api_keys', jsonb_build_object('Zx9Qw7Rt5Yu3Io1Pa8Sd6Fg4Hj2Kl0S3C',
                                                            jsonb_build_object('scope', 'admin')),
                             'tokens', jsonb_build_object('S3CR3Tpgjsonkey', 1),
                             'region', 'eu')
FROM generate_series(1, 40) g;
"""


def test_json_keys_below_a_secret_looking_key_are_folded(pg: Databases) -> None:
    """A map keyed by its tokens (`api_keys: {<token>: {...}}`) leaves no token in the fingerprint."""
    database = pg.create(SECRET_MAP)
    result = collect(database, data=True)
    keys = result.data["data"]["public"]["integrations"]["columns"]["settings"]["keys"]
    assert "S3CR3T" not in repr(result.data)
    assert "Zx9Qw7" not in repr(result.data)
    assert {"api_keys", "api_keys.<key>", "api_keys.<key>.<key>", "tokens", "tokens.<key>",
            "region"} <= set(keys)
    assert keys["api_keys.<key>"]["presence"] == 1.0


REWRITTEN = """
CREATE TABLE ev (id int PRIMARY KEY, payload jsonb);
INSERT INTO ev SELECT g, CASE WHEN g % 3 = 0 THEN '{"a": 1, "b": 2}' ELSE '{"a": 1}' END::jsonb
FROM generate_series(1, 60000) g;
"""


def test_rows_an_update_rewrote_are_walked_like_the_others(pg: Databases) -> None:
    """An UPDATE that changes nothing moves the rows it rewrites to the end of the table. The JSON
    key walk read the first documents of the sample in physical order, so staging (a third of its
    rows rewritten) reported key `b` absent: false drift on identical data."""
    reference = pg.create(REWRITTEN + "ANALYZE ev;")
    candidate = pg.create(REWRITTEN + "UPDATE ev SET payload = payload WHERE id % 3 = 0; ANALYZE ev;")
    report = audit(reference, candidate, data=True)
    assert not [path for path in drift(report) if "/keys/" in path]
    keys = collect(candidate, data=True).data["data"]["public"]["ev"]["columns"]["payload"]["keys"]
    assert 0.2 < keys["b"]["presence"] < 0.45
