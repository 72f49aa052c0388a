"""The MySQL sample design as users see it: row counts and null fractions close to the truth
whether keys are dense, sparse or clustered, or the table has no primary key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shapefixtures import Databases, judged_databases, shape

from fidelity.probe.shape.options import DataOptions
from probes.mysql.data.sample import design


@pytest.fixture
def dbs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Databases]:
    yield from judged_databases(monkeypatch)


def _facts(key: str, keys: str, rows: int) -> tuple[str, str]:
    """A table whose `late` column is NULL in the first 30% of rows by key (clustered NULLs)."""
    return (f"CREATE TABLE facts (id BIGINT {key}, late VARCHAR(10))",
            f"INSERT INTO facts SELECT {keys}, IF(seq <= {rows} * 0.3, NULL, 'x') FROM seq_1_to_{rows}")


@pytest.mark.parametrize(("key", "keys", "method"), [
    ("PRIMARY KEY", "seq", "key range sample"),
    ("PRIMARY KEY", "seq * 1000 + (seq % 7) * 100", "key range sample"),  # sparse, uneven gaps
    ("", "seq", "bernoulli sample"),  # no primary key
], ids=["dense-keys", "sparse-keys", "no-primary-key"])
def test_sampled_counts_are_close_to_the_truth(dbs: Databases, key: str, keys: str, method: str) -> None:
    rows = 40_000
    tree, gaps = shape(dbs.create(*_facts(key, keys, rows)), DataOptions(sample_rows=5_000))
    facts = tree["db"]["facts"]
    assert gaps == []
    assert facts["sample"]["method"] == method
    assert abs(facts["row_count"] - rows) <= rows * 0.1
    assert abs(facts["columns"]["late"]["null_fraction"] - 0.3) <= 0.05


def test_a_small_table_is_read_whole_and_exactly(dbs: Databases) -> None:
    tree, _ = shape(dbs.create(*_facts("PRIMARY KEY", "seq", 3_000)))
    facts = tree["db"]["facts"]
    assert facts["sample"]["method"] == "whole table"
    assert facts["row_count"] == 3_000
    assert facts["columns"]["late"]["null_fraction"] == 0.3


@pytest.mark.parametrize("span", [(1, 10_000_000), (-5, 123_456), (7, 7_000)])
def test_every_key_has_the_same_chance(span: tuple[int, int]) -> None:
    """Each stratum holds one run of the same width, so every key of the span is read with one
    probability; the runs cover that share of the span."""
    sample = design(10_000_000, 30_000, 3, "bigint", span)
    covered = sum(b - a + 1 for a, b in sample.ranges)
    keys = span[1] - span[0] + 1
    length = -(-keys // sample.runs)
    assert covered == round(sample.share * length) * sample.runs
    assert all(span[0] <= a <= b < span[0] + length * sample.runs for a, b in sample.ranges)
    assert design(10_000_000, 30_000, 3, "bigint", span) == sample  # the same seed, the same runs
