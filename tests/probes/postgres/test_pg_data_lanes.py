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
from pgfixtures import KEY, Databases, collect, databases, dsn, run

from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.postgres.data.collect import DataShape, cost, halves
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
#: Seven tables too small to split (read two at a time, one on each session), under hostile names.
SMALL_TABLES = "".join(
    f'CREATE TABLE "small {i} <i>" (id int PRIMARY KEY, a int, "se""cret" text, doc jsonb);'
    f'INSERT INTO "small {i} <i>" SELECT g, g % {i + 2}, md5(g::text), jsonb_build_object(\'k\', g % 3) '
    f"FROM generate_series(1, 300) g;" for i in range(7)) + "ANALYZE;"
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


def test_a_jsonb_key_walk_weighs_as_much_as_many_numbers_when_the_columns_are_halved() -> None:
    """As measured on the flights-shaped table (benchmarks/data_bench.py): the walk of one jsonb column
    costs about as much as twenty integer columns, so its half gets few others; numerics weigh more
    than integers (their cast)."""
    from fidelity.probe.shape.measures import Column, Kind

    columns = [Column(f"n{i}", Kind.NUMBER, "int4") for i in range(14)]
    columns += [Column("legs", Kind.JSON, "jsonb"), Column("tailnum", Kind.TEXT, "text"),
                Column("carrier", Kind.TEXT, "text"), Column("amount", Kind.NUMBER, "numeric")]
    first, second = halves(columns)
    walked, other = (first, second) if any(c.kind is Kind.JSON for c in first) else (second, first)
    assert len(walked) <= 4 < len(other)
    assert cost(Column("a", Kind.NUMBER, "numeric")) > cost(Column("b", Kind.NUMBER, "int8"))


@pytest.mark.parametrize("ddl", [TABLE, SMALL_TABLES], ids=["half of a large table", "smaller tables"])
def test_a_second_session_lost_after_the_settings_leaves_the_first_to_read_its_part(pg: Databases,
                                                                                   ddl: str) -> None:
    """Lost while it reads half of a large table's columns, or one of two smaller tables."""
    database = pg.create(ddl)
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



def _as_reader(pg: Databases, database: str) -> str:
    """A role that may read some tables whole, one table but two columns, and one table not at all."""
    role = pg.role()
    name = database.rpartition("dbname=")[2]
    run(database, f"GRANT USAGE ON SCHEMA public TO {role};"
                  f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};"
                  f'REVOKE SELECT ON "small 2 <i>", "small 5 <i>" FROM {role};'
                  f'GRANT SELECT (id, a) ON "small 2 <i>" TO {role};')
    return dsn(name, user=role)


def test_smaller_tables_read_two_at_a_time_give_what_one_session_gives(pg: Databases) -> None:
    """Tables too small to split are read side by side, one on each session: the fingerprints, and the
    gaps (a table the role may not read, columns it may not read), are the same and in the same order."""
    database = _as_reader(pg, pg.create(SMALL_TABLES))
    with _two_sessions(database) as (first, helper):
        before = helper[1].queries
        found, shape = _read(first, helper)
        assert helper[1].queries - before >= 3  # the settings, and some tables
    gaps = [gap.message for gap in shape.gaps]
    assert gaps == [
        'cannot fingerprint column public.small 2 <i>.se"cret: the probe role may not read it; grant SELECT '
        "on it, or leave the table out with `data.exclude_tables`",
        "cannot fingerprint column public.small 2 <i>.doc: the probe role may not read it; grant SELECT on "
        "it, or leave the table out with `data.exclude_tables`",
        "cannot fingerprint table public.small 5 <i>: permission denied; grant SELECT on it to the probe "
        "role, or leave it out with `data.exclude_tables`"]
    assert sorted(found["public"]) == [f"small {i} <i>" for i in range(7) if i != 5]
    session = Session.open(database, Timeouts(10, 60_000, 5_000))
    try:
        alone, shape_alone = _read(session)
    finally:
        session.close()
    assert [gap.message for gap in shape_alone.gaps] == gaps
    assert json.dumps(found, ensure_ascii=False) == json.dumps(alone, ensure_ascii=False)
