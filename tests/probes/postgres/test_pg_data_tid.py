"""A table that is one relation has its sampled rows numbered by TID and read again by TID
(`Sample.single`): the same rows, in the same order, so the same fingerprint as numbering every row
read whole; and a table that is not one relation (partitions, inheritance children) or not readable
whole (a grant on some columns) is read the plain way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pgfixtures import KEY, Databases, databases, dsn
from psycopg import sql

from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.postgres.data import collect as data_collect
from probes.postgres.data.collect import DataShape
from probes.postgres.data.query import Sample, ident, literal
from probes.postgres.schema import Scope
from probes.postgres.session import Session, Timeouts

#: Columns named as the numbering's own (rn, tid, total) and its join alias (f); rows updated in
#: place (new TIDs, HOT chains) and deleted after the insert; large TOASTed text; JSON whose keys
#: change with insertion order (the key walk reads the first documents kept, so order shows).
TABLES = """
CREATE TABLE "T <b>""id""</b>" (rn int, tid text, total numeric, f jsonb, "ctid " text, big text);
INSERT INTO "T <b>""id""</b>"
SELECT g, 'x' || (g % 13), g * 0.25,
       jsonb_build_object('k', g % 4, CASE WHEN g < 3000 THEN 'early' ELSE 'late' END,
                          jsonb_build_object('v', g)),
       CASE WHEN g % 5 = 0 THEN NULL ELSE '<i>' || g END,
       CASE WHEN g % 500 = 0 THEN repeat(md5(g::text), 400) END
FROM generate_series(1, 9000) g;
UPDATE "T <b>""id""</b>" SET tid = 'moved ' || rn WHERE rn % 7 = 0;
DELETE FROM "T <b>""id""</b>" WHERE rn % 11 = 0;
CREATE TABLE parted (id int, code text) PARTITION BY RANGE (id);
CREATE TABLE parted_a PARTITION OF parted FOR VALUES FROM (0) TO (5000);
CREATE TABLE parted_b PARTITION OF parted FOR VALUES FROM (5000) TO (20000);
INSERT INTO parted SELECT g, 'c' || (g % 9) FROM generate_series(1, 9000) g;
CREATE TABLE parent (id int, code text);
CREATE TABLE child () INHERITS (parent);
INSERT INTO parent SELECT g, 'p' || (g % 5) FROM generate_series(1, 4000) g;
INSERT INTO child SELECT g, 'k' || (g % 3) FROM generate_series(1, 4000) g;
ANALYZE;
"""
TABLE_NAME = 'T <b>"id"</b>'
KEY_DSN = dsn("postgres")


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _fingerprints(database: str, options: DataOptions,
                  single: bool | None) -> tuple[dict[str, Any], dict[str, Sample]]:
    """Every table's fingerprint, with `Sample.single` forced (None: as the probe decides), and the
    sample of each table."""
    used: dict[str, Sample] = {}
    decide = data_collect.sample_for

    def sample_for(row: Any, opts: DataOptions) -> Sample:
        sample = decide(row, opts)
        sample = sample if single is None else replace(sample, single=single)
        used[row["name"]] = sample
        return sample

    session = Session.open(database, Timeouts(10, 60_000, 5000))
    try:
        data_collect.sample_for = sample_for
        shape = DataShape(session, options, Scope(("public",)), SecretKeeper(KEY))
        found = shape.read(["public"], [])
        assert not shape.gaps
    finally:
        data_collect.sample_for = decide
        session.close()
    return found, used


@pytest.mark.parametrize("options", [DataOptions(sample_rows=5000), DataOptions(sample_rows=20_000),
                                     DataOptions(sample_rows=6000, seed=7)],
                         ids=["block sample", "whole table, every k-th row", "another seed"])
def test_rows_numbered_by_tid_give_the_fingerprint_of_rows_numbered_whole(pg: Databases,
                                                                          options: DataOptions) -> None:
    database = pg.create(TABLES)
    by_tid, samples = _fingerprints(database, options, True)
    whole, _ = _fingerprints(database, options, False)
    assert samples[TABLE_NAME].step != 1  # rows were skipped, so the numbering mattered
    assert json.dumps(by_tid["public"][TABLE_NAME], sort_keys=True) == \
        json.dumps(whole["public"][TABLE_NAME], sort_keys=True)


def test_a_table_that_gains_a_child_after_the_catalog_was_read_is_read_once_per_row(pg: Databases) -> None:
    """`ALTER TABLE ... INHERIT` does not wait for the probe: a table the catalog query saw alone may
    have a child by the time its data is read, and the child's rows repeat the parent's TIDs. Numbered
    by (tableoid, ctid), each row is still read once, as when it is numbered whole."""
    database = pg.create("CREATE TABLE par (id int, code text); CREATE TABLE kid (id int, code text);"
                         "INSERT INTO par SELECT g, 'p' || (g % 7) FROM generate_series(1, 5000) g;"
                         "INSERT INTO kid SELECT g, 'k' || (g % 3) FROM generate_series(1, 5000) g;"
                         "ANALYZE; ALTER TABLE kid INHERIT par;")
    options = DataOptions(sample_rows=20_000)
    as_if_alone, samples = _fingerprints(database, options, True)  # what a stale catalog row says
    whole, _ = _fingerprints(database, options, False)
    assert samples["par"].step != 1
    assert as_if_alone["public"]["par"] == whole["public"]["par"]
    assert as_if_alone["public"]["par"]["sample"]["shape_rows"] < 10_000 / samples["par"].step + 1


def test_a_table_that_is_not_one_relation_is_not_numbered_by_tid(pg: Databases) -> None:
    """A partitioned table and an inheritance parent read rows of several relations, whose TIDs repeat:
    they are numbered whole. (A table the role may read only some columns of is the same: see
    test_pg_data_edges.py, where such a table is fingerprinted.)"""
    database = pg.create(TABLES)
    found, samples = _fingerprints(database, DataOptions(sample_rows=2000), None)
    assert {name: sample.single for name, sample in samples.items()} == {
        "child": True, "parent": False, "parted": False, TABLE_NAME: True}
    assert set(found["public"]) == {"child", "parent", "parted", TABLE_NAME}
    assert found["public"]["parent"]["sample"]["rows"] > found["public"]["child"]["sample"]["rows"]


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=12).filter(lambda s: "\x00" not in s))
def test_names_are_quoted_as_psycopg_quotes_them(name: str) -> None:
    """The data query is written as text (composing it from `psycopg.sql` objects was slower than
    some of the queries): its quoting of names and constants is psycopg's."""
    with psycopg.connect(KEY_DSN) as conn:
        assert ident(name) == sql.Identifier(name).as_string(conn)
        assert literal(name) == sql.Literal(name).as_string(conn)


@pytest.mark.parametrize("value", [0, 15, -3, 8.908, 0.0001, 100.0, "\\u0000", "^[-+0-9]|@", "it's",
                                   (1, 2, 3), (-12, 0, 20000), (0.01, 0.5, 0.99)])
def test_constants_are_written_as_psycopg_writes_them(value: str | float | tuple[float, ...]) -> None:
    with psycopg.connect(KEY_DSN) as conn:
        expected = sql.Literal(list(value) if isinstance(value, tuple) else value).as_string(conn)
        assert literal(value) == expected
