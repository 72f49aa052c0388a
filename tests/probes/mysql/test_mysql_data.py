"""Data shape of MySQL/MariaDB tables: no drift between alike tables, planted drifts found at the
right severities, no raw value in the snapshot, hostile names, unreadable tables as gaps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from shapefixtures import Databases, admin, audit, drift, judged_databases, shape, tables

from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.mysql.data.collect import collect
from probes.mysql.session import Session

ROWS = 60_000  # twice the default row budget: read as a key-range sample
SENTINEL = "Zq9SENTINELvalue"


@pytest.fixture
def dbs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Databases]:
    yield from judged_databases(monkeypatch)


def table(name: str = "orders", *, nulls: int = 10, unit: int = 1, case: str = "UPPER", json_b: bool = True,
          rows: int = ROWS, offset: int = 0) -> tuple[str, str]:
    """DDL and data of a table of `rows` rows, with values drawn from fixed distributions (a different
    `offset` draws other rows of the same distributions)."""
    ddl = (f"CREATE TABLE `{name}` (id BIGINT PRIMARY KEY, code VARCHAR(20), amount DECIMAL(14,2), "
           "note VARCHAR(40), at DATETIME, doc JSON, status ENUM('new','paid','sent'))")
    doc = ("JSON_OBJECT('a', seq % 100, 'b', 'x')" if json_b else "JSON_OBJECT('a', seq % 100)")
    data = (f"INSERT INTO `{name}` SELECT seq, {case}(CONCAT('ab', CONV(seq * 7919 % 100000 + "
            f"{offset}, 10, 36))), "
            f"(seq * 37 % 1000) * {unit} + 0.5, IF((seq * 13 + {offset}) % 100 < {nulls}, NULL, "
            f"CONCAT('note ', '{SENTINEL}', seq % 7)), '2024-01-01' + INTERVAL (seq * 97 % 8760) "
            f"HOUR, {doc}, "
            f"ELT(1 + (seq * 31 + {offset}) % 3, 'new', 'paid', 'sent') FROM seq_1_to_{rows}")
    return ddl, data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_distribution_gives_no_finding(dbs: Databases, seed: int) -> None:
    a = dbs.create(*table())
    b = dbs.create(*table(offset=1))
    options = DataOptions(seed=seed)
    (ref, gaps_a), (cand, gaps_b) = shape(a, options), shape(b, options)
    assert gaps_a == gaps_b == []
    assert ref["db"]["orders"]["sample"]["method"] == "key range sample"
    assert drift(audit({"data": ref}, {"data": cand})) == {}


@pytest.mark.parametrize(("planted", "path", "severity"), [
    ({"nulls": 60}, "db/data/db/orders/columns/note/null_fraction", "medium"),  # 10% -> 60% NULL
    ({"unit": 1000}, "db/data/db/orders/columns/amount/magnitudes", "high"),
    ({"case": "LOWER"}, "db/data/db/orders/columns/code/chars/upper", "high"),
    ({"json_b": False}, "db/data/db/orders/columns/doc/keys/b", "high"),
    ({"rows": 30}, "db/data/db/orders/rows", "high"),
], ids=["null-share", "unit-x1000", "letter-case", "json-key-absent", "rows-far-apart"])
def test_planted_drift_is_found(dbs: Databases, planted: dict[str, Any], path: str, severity: str) -> None:
    a = dbs.create(*table())
    b = dbs.create(*table(offset=1, **planted))
    found = drift(audit({"data": shape(a)[0]}, {"data": shape(b)[0]}))
    assert path in found, found
    assert found[path][1] == severity
    # nothing else is reported on a column the drift did not touch
    assert not [p for p in found if "/note/" in p and "nulls" not in planted]


def test_no_raw_value_leaves_the_server(dbs: Databases) -> None:
    a = dbs.create(*table(rows=3_000), "CREATE TABLE few (id INT PRIMARY KEY, secret VARCHAR(40))",
                   f"INSERT INTO few VALUES (1, '{SENTINEL}A'), (2, '{SENTINEL}B'), (3, '{SENTINEL}A')")
    tree, gaps = shape(a, DataOptions(sample_rows=1_000))
    text = json.dumps(tree)
    assert gaps == []
    assert SENTINEL not in text
    assert "note " not in text
    values = tree["db"]["few"]["columns"]["secret"]["values"]  # low cardinality: keyed fingerprints only
    assert sorted(share for _, share in values) == [0.3333, 0.6667]


def test_hostile_identifiers(dbs: Databases) -> None:
    name = "we`ird <b>ünï</b> 'q' " + "x" * 30
    column = "co`l\"; DROP TABLE x; --"
    a = dbs.create(f"CREATE TABLE `{name.replace('`', '``')}` (id INT PRIMARY KEY, "
                   f"`{column.replace('`', '``')}` TEXT)",
                   f"INSERT INTO `{name.replace('`', '``')}` SELECT seq, CONCAT('v', seq % 3) FROM "
                   f"seq_1_to_50")
    tree, gaps = shape(a)
    assert gaps == []
    assert tree["db"][name]["columns"][column]["distinct_ratio"] == 0.06


@pytest.mark.parametrize("rows", [50, 5_000, 60_000], ids=["whole", "hashed-sample", "key-range-sample"])
def test_invisible_columns_are_measured(dbs: Databases, rows: int) -> None:
    """`SELECT *` leaves INVISIBLE columns out; the probe names its columns, at every sample design."""
    a = dbs.create("CREATE TABLE hidden (id BIGINT PRIMARY KEY, shown INT, "
                   "secret_note VARCHAR(20) INVISIBLE)",
                   f"INSERT INTO hidden (id, shown, secret_note) SELECT seq, seq % 5, "
                   f"IF(seq % 4 = 0, NULL, 'n') FROM seq_1_to_{rows}")
    tree, gaps = shape(a, DataOptions(sample_rows=1_000) if rows == 5_000 else None)
    assert gaps == []
    note = tree["db"]["hidden"]["columns"]["secret_note"]
    assert abs(note["null_fraction"] - 0.25) < 0.05


def test_unreadable_table_is_a_gap(dbs: Databases) -> None:
    a = dbs.create("CREATE TABLE open_t (id INT PRIMARY KEY, v INT)", "INSERT INTO open_t VALUES (1, 1)",
                   "CREATE TABLE closed_t (id INT PRIMARY KEY, v INT)", "INSERT INTO closed_t VALUES (1, 1)")
    user = dbs.user(f"GRANT SELECT ON `{a}`.`open_t` TO {{user}}", f"GRANT INSERT ON "
                                                                   f"`{a}`.`closed_t` TO {{user}}")
    tree, gaps = shape(a, user=user, password="pw")
    assert set(tree["db"]) == {"open_t"}
    assert [g.segments for g in gaps] == [("data", a, "closed_t")]
    assert "grant SELECT" in gaps[0].message


def test_a_locked_table_is_a_gap_and_the_others_are_read(dbs: Databases) -> None:
    a = dbs.create("CREATE TABLE busy (id INT PRIMARY KEY, v INT)", "INSERT INTO busy VALUES (1, 1)",
                   "CREATE TABLE calm (id INT PRIMARY KEY, v INT)", "INSERT INTO calm VALUES (1, 1)")
    with admin(a) as other, other.cursor() as cur:
        cur.execute("LOCK TABLES busy WRITE")  # as a migration would
        s = Session.open({"dsn": f"mysql://root@127.0.0.1:3306/{a}", "lock_timeout": 1000})
        try:
            tree, gaps = collect(s, tables(a), DataOptions(), SecretKeeper(b"k"))
        finally:
            s.close()
    assert set(tree[a]) == {"calm"}
    assert [g.segments for g in gaps] == [("data", a, "busy")]
    assert "lock" in gaps[0].message
