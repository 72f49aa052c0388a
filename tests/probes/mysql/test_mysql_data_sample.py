"""The MySQL sample design as users see it: row counts and null fractions close to the truth
whether keys are dense, sparse or clustered, or the table has no primary key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from shapefixtures import KEY, Databases, admin, judged_databases, session, shape, tables

from fidelity.probe.shape.measures import Column, Kind
from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.mysql.data.collect import DataShape, collect, prefixes
from probes.mysql.data.query import source
from probes.mysql.data.sample import OFFSET_UNITS, Groups, Sample, design
from probes.mysql.session import Session, quote


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


def _examined(database: str, options: DataOptions) -> tuple[dict[str, Any], list[Any], int]:
    """The data tree, the gaps and the rows the server examined (its Handler_read counters)."""
    s = session(database)
    try:
        before = _handler_reads(s)
        tree, gaps = collect(s, tables(database), options, SecretKeeper(KEY))
        examined = _handler_reads(s) - before
    finally:
        s.close()
    return tree[database], gaps, examined


def _handler_reads(s: Session) -> int:
    return sum(int(r["Value"]) for r in s.query("SHOW SESSION STATUS LIKE 'Handler\\_read\\_%'")
               if r["Variable_name"] != "Handler_read_key")


ID = Column("id", Kind.TEXT, "varchar")
UUIDS = ("CREATE TABLE facts (id CHAR(36) PRIMARY KEY, late VARCHAR(10))",
         "INSERT INTO facts SELECT UUID(), IF(seq <= {rows} * 0.3, NULL, 'x') FROM seq_1_to_{rows}")


@pytest.mark.parametrize(("create", "fill", "rows"), [
    (UUIDS[0], UUIDS[1], 7_000),
    (UUIDS[0], UUIDS[1].replace("UUID()", "UPPER(UUID())"), 7_000),
    ("CREATE TABLE facts (id VARCHAR(40) COLLATE utf8mb4_bin PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT CONCAT(ELT(1 + seq % 5, 'Ann', 'bob', '_x', 'Zoe', '9'), '-', seq), "
     "IF(seq <= {rows} * 0.3, NULL, 'x') FROM seq_1_to_{rows}", 20_000),
    ("CREATE TABLE facts (id DATE PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT '1900-01-01' + INTERVAL seq DAY, IF(seq <= {rows} * 0.3, NULL, 'x') "
     "FROM seq_1_to_{rows}", 7_000),
], ids=["uuid", "upper-uuid", "varchar-binary", "date"])
def test_a_big_table_with_a_key_that_is_not_an_integer_is_sampled(dbs: Databases, create: str, fill: str,
                                                                  rows: int) -> None:
    """A key of strings or dates was a gap ("unexpected ValueError"): now a sample, unbiased."""
    tree, gaps = shape(dbs.create(create, fill.format(rows=rows)), DataOptions(sample_rows=5_000))
    facts = tree["db"]["facts"]
    assert gaps == []
    assert facts["sample"]["method"] in ("key range sample", "bernoulli sample")
    assert abs(facts["row_count"] - rows) <= rows * 0.15
    # few rows, whose keys fill few key ranges (UUIDs of one second share their leading digits)
    assert abs(facts["columns"]["late"]["null_fraction"] - 0.3) <= 0.1


def test_a_uuid_key_is_sampled_by_key_ranges_not_a_full_scan(dbs: Databases) -> None:
    rows = 60_000
    name = dbs.create(UUIDS[0], UUIDS[1].format(rows=rows))
    tree, gaps, examined = _examined(name, DataOptions(sample_rows=5_000))
    facts = tree["facts"]
    assert gaps == []
    assert facts["sample"]["method"] == "key range sample"
    assert abs(facts["row_count"] - rows) <= rows * 0.15
    assert examined < rows  # every query reads only the key runs: all of them together not one scan


@pytest.mark.parametrize("alphabet", ["0123456789abcdef", "abcXYZ"])
def test_key_prefix_cells_partition_every_string(dbs: Databases, alphabet: str) -> None:
    """With a share of 1 the prefix runs cover every key exactly once, whatever its characters:
    each row has the same chance because every string lies in exactly one cell."""
    keys = ["", " ", "\t", "-", "0", "00", "0f", "0g", "9", "a", "A", "ab", "B", "f", "ff", "fff", "g",
            "zz", "~", "é", "日本", "\U0001F600", "abcXYZ", "X", "Z-1"]
    for collation in ("utf8mb4_bin", "utf8mb4_general_ci", "utf8mb4_unicode_ci"):
        name = dbs.create(f"CREATE TABLE k (id VARCHAR(20) COLLATE {collation} PRIMARY KEY)")
        with admin(name) as conn, conn.cursor() as cur:
            cur.executemany("INSERT IGNORE INTO k VALUES (%s)", [[k] for k in keys])
            cur.execute("SELECT COUNT(*) FROM k")
            (total,) = cur.fetchone()
        s = session(name)
        try:
            cells = prefixes(s, "utf8mb4", collation, alphabet, 2)
            # the smallest key, whose shared prefix leads each cell, and its cell
            s.query("SET @fidelity_low = 'fX', @fidelity_first = 3")
            counted = []
            for prefix in (0, 1, 2):
                some = replace(cells, prefix=prefix, cells=len(cells.alphabet) ** 2 - 3)
                every = Sample("key range sample", "cells", ("id",), some,
                               ranges=tuple(some.bounds(n, n) for n in range(some.cells)))
                (found,) = s.query(f"SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM "
                                   f"({source(name, 'k', every, 'id', False, [ID])}) s")
                counted.append((found["n"], found["d"]))
            drawn = design(1e9, 1_000, 1, "varchar", cells, ("id",))
        finally:
            s.close()
        assert len(cells.alphabet) <= len(alphabet)
        assert counted == [(total, total)] * 3, collation
        assert drawn.method == "key range sample"
        assert drawn.layout == "cells"



@pytest.mark.parametrize(("create", "keys"), [
    ("CREATE TABLE k (id DATETIME(6) PRIMARY KEY)",
     ["2026-01-01 00:00:00", "2026-01-01 00:00:00.5", "2026-01-01 00:00:01", "2026-01-01 00:00:59.999999",
      "2026-01-01 00:01:00", "2026-03-01 12:00:00.000001", "2027-01-01 00:00:00"]),
    ("CREATE TABLE k (id DATE PRIMARY KEY)", ["1900-01-01", "1900-01-02", "2000-02-29", "2026-11-30"]),
    ("CREATE TABLE k (id VARBINARY(20) PRIMARY KEY)",
     [b"", b"\x00", b"\x00\x00\x00\x00\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00\x00\x00\x00\x01", b"\x01",
      b"ab", b"abcdefgh", b"abcdefghi", b"\xff" * 8, b"\xff" * 12]),
    ("CREATE TABLE k (id DECIMAL(12,3) PRIMARY KEY)",
     ["-5.5", "-0.001", "0", "0.001", "0.002", "1.999", "2", "123456.789", "999999999.999"]),
    ("CREATE TABLE k (id DECIMAL(30,10) PRIMARY KEY)",  # 2 * 10^30 cells: past any integer type
     ["-99999999999999999999.9999999999", "-1", "0", "0.0000000001", "42.4242424242",
      "99999999999999999999.9999999999"]),
], ids=["datetime", "date", "varbinary", "decimal", "decimal-wide"])
def test_key_offset_cells_partition_every_key(dbs: Databases, create: str, keys: list[Any]) -> None:
    """With a share of 1 the offset runs cover every key exactly once: fractions of a second, and
    binary keys shorter or longer than the eight bytes a cell counts, each lie in one cell."""
    name = dbs.create(create)
    with admin(name) as conn, conn.cursor() as cur:
        cur.executemany("INSERT INTO k VALUES (%s)", [[k] for k in keys])
    unit = OFFSET_UNITS[create.split()[4].split("(")[0].lower()]
    s = session(name)
    try:
        # the real planning: the smallest key (and a binary key's number) stay in this session
        planner = DataShape(s, DataOptions(sample_rows=100), SecretKeeper(KEY))
        scale = planner._catalog([name])[(name, "k")]["scales"]["id"]
        cells = planner._offsets(f"{quote(name)}.{quote('k')}", "id", unit, scale)
        assert cells is not None
        stride = max(1, cells.cells // 2000)  # cells of a few keys each, so that a key's cell is found
        ranges = tuple(cells.bounds(n, min(n + stride - 1, cells.cells - 1))
                       for n in range(0, cells.cells, stride))
        every = Sample("key range sample", "cells", ("id",), cells, ranges=ranges)
        (found,) = s.query(f"SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM "
                           f"({source(name, 'k', every, 'id', False, [ID])}) s")
    finally:
        s.close()
    assert (found["n"], found["d"]) == (len(keys), len(keys))


@pytest.mark.parametrize(("create", "fill"), [
    ("CREATE TABLE facts (id DATETIME PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT '2020-01-01' + INTERVAL seq * 7 SECOND, IF(seq <= {rows} * 0.3, NULL, 'x') "
     "FROM seq_1_to_{rows}"),
    ("CREATE TABLE facts (id BINARY(16) PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT UNHEX(MD5(seq)), IF(seq <= {rows} * 0.3, NULL, 'x') FROM seq_1_to_{rows}"),
    ("CREATE TABLE facts (id TIMESTAMP PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT '2020-01-01' + INTERVAL seq MINUTE, IF(seq <= {rows} * 0.3, NULL, 'x') "
     "FROM seq_1_to_{rows}"),
    ("CREATE TABLE facts (id DECIMAL(14,2) PRIMARY KEY, late VARCHAR(10))",
     "INSERT INTO facts SELECT seq * 0.37 - 5000, IF(seq <= {rows} * 0.3, NULL, 'x') FROM seq_1_to_{rows}"),
], ids=["datetime", "binary-uuid", "timestamp", "decimal"])
def test_a_date_or_binary_key_is_sampled_by_key_ranges_not_a_full_scan(dbs: Databases, create: str,
                                                                      fill: str) -> None:
    """A DATETIME, TIMESTAMP, BINARY(16) (an ordered or a random UUID as bytes) or DECIMAL key was
    a Bernoulli sample, which reads every row of the table: now a key range sample that reads only its runs,
    as close to the truth (the NULLs here are clustered in the first 30% of keys by time)."""
    rows = 60_000
    name = dbs.create(create, fill.format(rows=rows))
    tree, gaps, examined = _examined(name, DataOptions(sample_rows=5_000))
    facts = tree["facts"]
    assert gaps == []
    assert facts["sample"]["method"] == "key range sample"
    assert abs(facts["row_count"] - rows) <= rows * 0.15
    assert abs(facts["columns"]["late"]["null_fraction"] - 0.3) <= 0.1
    assert examined < rows  # every query reads only the key runs: all of them together not one scan


def test_a_composite_key_with_few_leading_values_reads_a_sample(dbs: Databases) -> None:
    """PRIMARY KEY (tenant, id) with 3 tenants: the span of the leading column is 3 keys, which read
    every row; the runs are drawn over (tenant, id) instead, each row with one chance."""
    rows = 90_000
    facts, examined = _tenants(dbs, "TINYINT", 3, "seq * 7 + (seq % 5)", rows)
    assert facts["sample"]["blocks"] > 100
    assert facts["sample"]["shape_rows"] < 5_000
    assert examined < rows  # every query reads only the key runs: all of them together not one scan


def test_grouped_runs_give_every_key_the_same_chance() -> None:
    groups = Groups(((0, 5, 100_004), (1, -3, 49_996), (7, 1, 1)))
    sample = design(300_000, 30_000, 3, "tinyint", groups, ("tenant", "id"))
    covered = sum(hi - lo + 1 for _, lo, hi in sample.ranges)
    keys = 100_000 + 50_000 + 1
    assert abs(covered - sample.share * keys) <= sample.runs
    for v, lo, hi in sample.ranges:
        low, high = {g: (a, b) for g, a, b in groups.spans}[v]
        assert low <= lo <= hi <= high
    assert design(300_000, 30_000, 3, "tinyint", groups, ("tenant", "id")) == sample


def test_a_key_with_many_rows_per_value_measures_about_the_rows_wanted(dbs: Databases) -> None:
    """2,000 tenants of 60 rows: too many leading values to draw over (tenant, id), so the runs are
    over the tenant, one tenant at least; their rows are thinned by a hash draw to be measured,
    rather than all measured (each row keeps one chance: the run's times the draw's)."""
    facts, _ = _tenants(dbs, "INT", 2000, "seq", 120_000)
    assert facts["sample"]["shape_rows"] <= 2 * 2_000


def _tenants(dbs: Databases, tenant: str, tenants: int, ids: str, rows: int) -> tuple[dict[str, Any], int]:
    """A table keyed (tenant, id) with `tenants` tenants, sampled: its fingerprint, checked to be a
    key range sample close to the truth, and the rows the server examined."""
    name = dbs.create(f"CREATE TABLE facts (tenant {tenant}, id INT, late VARCHAR(10), "
                      "PRIMARY KEY (tenant, id))",
                      f"INSERT INTO facts SELECT seq % {tenants}, {ids}, IF(seq <= {rows} * 0.3, NULL, 'x') "
                      f"FROM seq_1_to_{rows}")
    tree, gaps, examined = _examined(name, DataOptions(sample_rows=5_000))
    facts: dict[str, Any] = tree["facts"]
    assert gaps == []
    assert facts["sample"]["method"] == "key range sample"
    assert abs(facts["row_count"] - rows) <= rows * 0.1
    assert abs(facts["columns"]["late"]["null_fraction"] - 0.3) <= 0.05
    return facts, examined


def test_json_keys_are_walked_over_the_whole_sample_not_its_first_keys(dbs: Databases) -> None:
    """The walk took the first documents of the sample, which come in key order: in a table whose
    newer half (by key) gained a key `b`, `b` was absent though half the documents have it."""
    rows = 40_000
    tree, gaps = shape(dbs.create(
        "CREATE TABLE ev (id BIGINT PRIMARY KEY, payload JSON)",
        f"INSERT INTO ev SELECT seq, IF(seq > {rows} / 2, '{{\"a\": 1, \"b\": 2}}', '{{\"a\": 1}}') "
        f"FROM seq_1_to_{rows}"), DataOptions(sample_rows=5_000))
    assert gaps == []
    keys = tree["db"]["ev"]["columns"]["payload"]["keys"]
    assert 0.35 < keys["b"]["presence"] < 0.65
