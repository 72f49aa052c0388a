"""A sampled table's columns are fingerprinted half on the first session and half on another one in
its snapshot, side by side: the fingerprint is the one a single session reads, byte for byte, and a
second session that is gone leaves the first to read it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from pgfixtures import KEY, Databases, collect, databases, run

from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.postgres.data.collect import DataShape, halves
from probes.postgres.lanes import Lanes
from probes.postgres.schema import Scope
from probes.postgres.session import Session, Timeouts

#: Every kind of column, under hostile names; NULLs clustered at the start, as insertion order gives.
TABLE = """
CREATE TYPE mood AS ENUM ('calm', '<b>loud</b>');
CREATE TABLE "Odd ""orders"" <b>" (
    id int PRIMARY KEY, amount numeric, code text, "we""ird <i>col</i>" text, doc jsonb,
    placed timestamptz, feeling mood, flag boolean, note text);
INSERT INTO "Odd ""orders"" <b>"
SELECT g, g * 1.5, 'C' || (g % 7), CASE WHEN g % 3 = 0 THEN 'x@example.com' ELSE '<script>' || g END,
       jsonb_build_object('k', g % 5, 'nested', jsonb_build_object('a', g)),
       timestamptz '2026-01-01' + g * interval '1 minute',
       CASE WHEN g % 2 = 0 THEN 'calm'::mood ELSE '<b>loud</b>'::mood END,
       g % 4 = 0, CASE WHEN g > 2000 THEN 'n' || g END
FROM generate_series(1, 6000) g;
ANALYZE;
"""
TABLE_NAME = 'Odd "orders" <b>'
OPTIONS = DataOptions(sample_rows=1000)
Helper = tuple[ThreadPoolExecutor, Session]


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _read(session: Session, helper: Any = None) -> tuple[dict[str, Any], DataShape]:
    shape = DataShape(session, OPTIONS, Scope(("public",)), SecretKeeper(KEY), helper)
    return shape.read(["public"], []), shape


def _alone(database: str) -> str:
    session = Session.open(database, Timeouts(10, 60_000, 5_000))
    try:
        found, shape = _read(session)
    finally:
        session.close()
    assert not shape.gaps
    return json.dumps(found, ensure_ascii=False)


@contextmanager
def _two_sessions(database: str, opened: int = 1) -> Iterator[tuple[Session, Helper]]:
    """The first session, and one more of `opened` others in its snapshot, with its thread."""
    first = Session.open(database, Timeouts(10, 60_000, 5_000))
    lanes = Lanes(first, opened)
    try:
        helpers = lanes.trim(1)
        assert len(helpers) == 1
        yield first, helpers[0]
    finally:
        lanes.close()
        first.close()


def test_the_columns_read_on_two_sessions_give_the_fingerprint_one_session_gives(pg: Databases) -> None:
    database = pg.create(TABLE)
    with _two_sessions(database, opened=2) as (first, helper):
        before = helper[1].queries
        found, shape = _read(first, helper)
        assert helper[1].queries - before == 2  # the data settings, and one half of the columns
    assert not shape.gaps
    table = found["public"][TABLE_NAME]
    assert table["sample"]["method"] == "block sample"
    assert list(table["columns"]) == ["id", "amount", "code", 'we"ird <i>col</i>', "doc", "placed",
                                      "feeling", "flag", "note"]  # in the table's order
    assert json.dumps(found, ensure_ascii=False) == _alone(database)


def test_a_second_session_that_is_gone_leaves_the_first_to_read_it_all(pg: Databases) -> None:
    database = pg.create(TABLE)
    with _two_sessions(database) as (first, helper):
        with psycopg.connect(database, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (helper[1].conn.info.backend_pid,))
        found, shape = _read(first, helper)
    assert not shape.gaps
    assert json.dumps(found, ensure_ascii=False) == _alone(database)


def test_the_probe_reads_a_sampled_tables_data_on_two_sessions_without_a_gap(pg: Databases) -> None:
    database = pg.create(TABLE)
    run(database, "CREATE TABLE small (id int PRIMARY KEY, name text);"
                  "INSERT INTO small SELECT g, 'n' || g FROM generate_series(1, 50) g; ANALYZE small;")
    result = collect(database, data={"sample_rows": 1000})
    assert not result.gaps
    data = result.data["data"]["public"]
    assert data[TABLE_NAME]["sample"]["method"] == "block sample"
    assert data["small"]["sample"]["method"] == "whole table"
    assert set(data[TABLE_NAME]["columns"]) == {"id", "amount", "code", 'we"ird <i>col</i>', "doc",
                                                "placed", "feeling", "flag", "note"}


def test_the_costliest_columns_are_spread_over_both_halves() -> None:
    from fidelity.probe.shape.measures import Column, Kind

    columns = [Column("a", Kind.NUMBER, "int4"), Column("doc", Kind.JSON, "jsonb"),
               Column("b", Kind.TEXT, "text"), Column("c", Kind.NUMBER, "int4"),
               Column("d", Kind.TEXT, "text")]
    first, second = halves(columns)
    assert sorted(c.name for c in first + second) == sorted(c.name for c in columns)
    assert [c.name for c in first] == [c.name for c in columns if c in first]  # each in the table's order
    assert ("doc" in {c.name for c in first}) != ("doc" in {c.name for c in second})
    assert halves(columns[:1]) == (columns[:1], [])


def test_a_second_session_lost_after_the_settings_leaves_the_first_to_read_its_half(pg: Databases) -> None:
    database = pg.create(TABLE)
    with _two_sessions(database) as (first, (pool, other)):
        shape = DataShape(first, OPTIONS, Scope(("public",)), SecretKeeper(KEY), (pool, other))
        real_fetch = other.fetch

        def lost_after_settings(query: Any, params: Any, what: str, **options: Any) -> Any:
            if what.startswith("the data of"):  # the server ends this session before its half is read
                with psycopg.connect(database, autocommit=True) as admin:
                    admin.execute("SELECT pg_terminate_backend(%s)", (other.conn.info.backend_pid,))
            return real_fetch(query, params, what, **options)

        other.fetch = lost_after_settings  # type: ignore[method-assign]
        found = shape.read(["public"], [])
    assert not shape.gaps
    assert shape.helper is None
    assert json.dumps(found, ensure_ascii=False) == _alone(database)
