"""A table that is one relation (not partitioned: read ONLY), readable whole (`Sample.single`), on a
server with `hashtidextended` (`Sample.hashed`), has the rows it examines picked by a hash of their
TIDs and the seed: exactly the rows read whose hash is a multiple of the step, in TID order, each read
whole once; one pass counts the rows read. A partitioned table has its rows picked by the same hash
as they are scanned. A table not readable whole (a grant on some columns), or on a server without
the function, is numbered and read the plain way (every k-th row), in an order that does not change
from run to run."""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pgfixtures import KEY, Databases, databases, dsn
from psycopg import sql

from fidelity.probe.shape.options import DataOptions
from fidelity.probe.shape.scale import round2
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


def _oracle(pg: Databases, database: str, table: str, sample: Sample) -> dict[str, Any]:
    """The fingerprint of a table that holds exactly the rows the pick should examine, in TID order,
    read whole (every row examined): computed here by plain SQL, not by the probe's query."""
    source = f"{'ONLY ' if sample.picked else ''}public.{ident(table)}"
    if sample.percent is not None:
        source += f" TABLESAMPLE SYSTEM ({literal(sample.percent)}) REPEATABLE ({literal(sample.seed)})"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE oracle AS SELECT * FROM {source} "
                     f"WHERE hashtidextended(ctid, {literal(sample.seed)}) % {literal(sample.step)} = 0 "
                     "ORDER BY tableoid, ctid")
        conn.execute("ANALYZE oracle")
        read = conn.execute(f"SELECT count(*) FROM {source}").fetchone()
    try:
        found, samples = _fingerprints(database, DataOptions(sample_rows=100_000, tables=("oracle",)), None)
    finally:
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("DROP TABLE oracle")
    assert samples["oracle"].step == 1  # every row of the oracle examined
    assert read is not None
    return {"fingerprint": found["public"]["oracle"], "read": read[0]}


def _measures(fingerprint: dict[str, Any]) -> dict[str, Any]:
    """What the examined rows decide: every column's measures but its null fraction, which is counted
    over every row read (or taken from ANALYZE)."""
    return {name: {k: v for k, v in column.items() if k != "null_fraction"}
            for name, column in fingerprint["columns"].items()}


@pytest.mark.parametrize("options", [DataOptions(sample_rows=5000), DataOptions(sample_rows=20_000),
                                     DataOptions(sample_rows=6000, seed=7)],
                         ids=["block sample", "whole table, one row in k", "another seed"])
def test_the_rows_examined_are_those_whose_tid_hash_is_a_multiple_of_the_step(pg: Databases,
                                                                              options: DataOptions) -> None:
    database = pg.create(TABLES)
    found, samples = _fingerprints(database, options, None)
    sample = samples[TABLE_NAME]
    assert sample.picked
    assert sample.step != 1
    got = found["public"][TABLE_NAME]
    expected = _oracle(pg, database, TABLE_NAME, sample)
    assert got["sample"]["rows"] == round2(expected["read"])  # counts are kept to 2 digits
    assert got["sample"]["shape_rows"] == expected["fingerprint"]["sample"]["rows"]
    assert json.dumps(_measures(got), sort_keys=True) == json.dumps(_measures(expected["fingerprint"]),
                                                                    sort_keys=True)
    # about one row in `step`, and the same rows at every run
    examined = expected["fingerprint"]["sample"]["rows"]
    assert abs(examined - expected["read"] / sample.step) < 5 * (expected["read"] / sample.step) ** 0.5 + 50
    again, _ = _fingerprints(database, options, None)
    assert again["public"][TABLE_NAME] == got


def test_a_column_with_the_period_of_the_step_is_seen_whole(pg: Databases) -> None:
    """Every 15th row of a column that repeats every 15 rows is one value; rows picked by a hash of
    their TIDs see all fifteen, in about equal shares."""
    database = pg.create("CREATE TABLE cycle (id int, phase text);"
                         "INSERT INTO cycle SELECT g, 'phase ' || (g % 15) FROM generate_series(1, 30000) g;"
                         "ANALYZE;")
    found, samples = _fingerprints(database, DataOptions(sample_rows=30_000), None)
    assert samples["cycle"].step == 15
    assert samples["cycle"].picked
    phase = found["public"]["cycle"]["columns"]["phase"]
    assert len(phase["values"]) == 15
    assert all(0.03 < share < 0.11 for _, share in phase["values"])
    decide = data_collect.sample_for
    data_collect.sample_for = lambda row, opts: replace(decide(row, opts), hashed=False)  # every 15th row
    try:
        plain, _ = _fingerprints(database, DataOptions(sample_rows=30_000), None)
    finally:
        data_collect.sample_for = decide
    assert len(plain["public"]["cycle"]["columns"]["phase"]["values"]) == 1


def test_a_table_that_gains_a_child_after_the_catalog_was_read_is_read_as_the_catalog_saw_it(
        pg: Databases) -> None:
    """`ALTER TABLE ... INHERIT` does not wait for the probe: a table the catalog query saw alone may
    have a child by the time its data is read, and the child's rows repeat the parent's TIDs. The pick
    reads the relation ONLY: its own rows, each once."""
    database = pg.create("CREATE TABLE par (id int, code text); CREATE TABLE kid (id int, code text);"
                         "INSERT INTO par SELECT g, 'p' || (g % 7) FROM generate_series(1, 5000) g;"
                         "INSERT INTO kid SELECT g, 'k' || (g % 3) FROM generate_series(1, 5000) g;"
                         "ANALYZE; ALTER TABLE kid INHERIT par;")
    options = DataOptions(sample_rows=20_000)
    as_if_alone, samples = _fingerprints(database, options, True)  # what a stale catalog row says
    sample = samples["par"]
    assert sample.picked
    got = as_if_alone["public"]["par"]
    expected = _oracle(pg, database, "par", sample)
    assert expected["read"] == 5000
    assert got["sample"]["rows"] == 5000
    assert _measures(got) == _measures(expected["fingerprint"])
    assert got["columns"]["code"]["distinct_ratio"] * got["sample"]["shape_rows"] == pytest.approx(7, abs=0.5)


def test_without_hashtidextended_every_kth_row_is_examined(pg: Databases) -> None:
    """A server before PostgreSQL 14 has no `hashtidextended`: the rows read are numbered whole and
    every k-th is examined."""
    database = pg.create(TABLES)
    decide = data_collect.sample_for

    def unhashed(row: Any, opts: DataOptions) -> Sample:
        return replace(decide(row, opts), hashed=False)

    data_collect.sample_for = unhashed
    try:
        found, samples = _fingerprints(database, DataOptions(sample_rows=20_000), None)
    finally:
        data_collect.sample_for = decide
    sample = samples[TABLE_NAME]
    assert sample.single
    assert not sample.picked
    with psycopg.connect(database) as conn:
        read = conn.execute(f"SELECT count(*) FROM public.{ident(TABLE_NAME)}").fetchone()
    assert read is not None
    assert found["public"][TABLE_NAME]["sample"]["shape_rows"] == round2(read[0] // sample.step)


def test_a_partitioned_table_is_picked_by_tid_hash_as_it_is_scanned(pg: Databases) -> None:
    """A partitioned table reads rows of several relations, whose TIDs repeat: a TID does not name a
    row, so its rows are not read again by TID; the same hash picks them as they are scanned (so a
    partitioned production and an unpartitioned staging examine rows alike). An inheritance parent
    is read ONLY, one relation: its child is a table of its own."""
    database = pg.create(TABLES)
    options = DataOptions(sample_rows=4000)  # about 2,000 rows picked: the oracle examines every one
    found, samples = _fingerprints(database, options, None)
    assert {name: sample.single for name, sample in samples.items()} == {
        "child": True, "parent": True, "parted": False, TABLE_NAME: True}
    assert all(sample.hashed for sample in samples.values())  # PostgreSQL 14 and later
    assert set(found["public"]) == {"child", "parent", "parted", TABLE_NAME}
    assert found["public"]["parent"]["sample"]["rows"] == found["public"]["child"]["sample"]["rows"] == 4000
    assert samples["parent"].picked
    sample = samples["parted"]
    assert sample.filtered
    expected = _oracle(pg, database, "parted", sample)
    got = found["public"]["parted"]
    assert got["sample"]["shape_rows"] == expected["fingerprint"]["sample"]["rows"]
    assert _measures(got) == _measures(expected["fingerprint"])


def test_an_inheritance_parent_is_sized_and_read_as_its_own_rows(pg: Databases) -> None:
    """Inheritance used as partitioning: an almost empty parent, the rows in its children. The parent
    is sized by its own rows and read ONLY, so it is not read whole through its children (200,000
    rows examined where its size said 10), and each child is fingerprinted on its own."""
    database = pg.create("CREATE TABLE parent (id int, v text); CREATE TABLE kid () INHERITS (parent);"
                         "INSERT INTO parent SELECT g, 'p' FROM generate_series(1, 10) g;"
                         "INSERT INTO kid SELECT g, 'k' FROM generate_series(1, 200000) g; ANALYZE;")
    found, _ = _fingerprints(database, DataOptions(), None)
    parent, kid = found["public"]["parent"], found["public"]["kid"]
    assert parent["sample"] == {"rows": 10, "shape_rows": 10, "method": "whole table"}
    assert len(parent["columns"]["v"]["values"]) == 1  # only its own 'p' rows
    assert kid["sample"]["method"] == "block sample"
    assert kid["sample"]["rows"] <= 40_000


def test_a_partitioned_column_with_the_period_of_the_step_is_seen_whole(pg: Databases) -> None:
    parts = "".join(f"CREATE TABLE cyc_{i} PARTITION OF cyc FOR VALUES FROM ({i * 15000}) "
                    f"TO ({(i + 1) * 15000});" for i in range(2))
    database = pg.create("CREATE TABLE cyc (id int, phase text) PARTITION BY RANGE (id);" + parts +
                         "INSERT INTO cyc SELECT g, 'phase ' || (g % 15) FROM generate_series(0, 29999) g;"
                         "ANALYZE;")
    found, samples = _fingerprints(database, DataOptions(sample_rows=30_000), None)
    assert samples["cyc"].step == 15
    assert samples["cyc"].filtered
    assert len(found["public"]["cyc"]["columns"]["phase"]["values"]) == 15


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


def _plan(conn: Any, query: str) -> str:
    return "\n".join(str(next(iter(row.values())) if isinstance(row, dict) else row[0])
                     for row in conn.execute("EXPLAIN " + query).fetchall())


def test_the_data_query_is_never_parallel(pg: Databases) -> None:
    """Rows numbered by `row_number() OVER ()` above a parallel scan come in the order the workers
    deliver them, which changes from run to run: so would the rows examined, and two reads of one
    table would differ. The data query runs without parallel workers, whatever the database's
    settings (here: parallel plans made as cheap as can be)."""
    database = pg.create("CREATE TABLE wide (id int, pad text); INSERT INTO wide "
                         "SELECT g, repeat(md5(g::text), 16) FROM generate_series(1, 20000) g; ANALYZE;")
    cheap = ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0")
    with psycopg.connect(database, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        assert name is not None
        for setting in cheap:
            conn.execute(f"ALTER DATABASE {ident(name[0])} SET {setting}")
    with psycopg.connect(database) as conn:  # a plain count in this database is planned in parallel
        assert "Gather" in _plan(conn, "SELECT count(*) FROM wide")
    queries: list[str] = []
    fetch = Session.fetch

    def capture(self: Session, query: Any, params: Any, what: str, *args: Any, **kwargs: Any) -> Any:
        if what.startswith("the data of"):
            queries.append(query.as_string(self.conn))
        return fetch(self, query, params, what, *args, **kwargs)

    decide = data_collect.sample_for
    session = Session.open(database, Timeouts(10, 60_000, 5000))
    try:
        Session.fetch = capture  # type: ignore[method-assign]
        data_collect.sample_for = lambda row, opts: replace(decide(row, opts), hashed=False)  # numbered
        DataShape(session, DataOptions(), Scope(("public",)), SecretKeeper(KEY)).read(["public"], [])
        plans = [_plan(session.conn, query) for query in queries]
    finally:
        Session.fetch = fetch  # type: ignore[method-assign]
        data_collect.sample_for = decide
        session.close()
    assert plans
    assert not any("Gather" in plan for plan in plans), plans


def test_a_numbered_read_does_not_start_where_another_sessions_scan_is(pg: Databases) -> None:
    """A scan of a table larger than a quarter of shared_buffers may join another session's scan where
    it is (synchronized scans): rows numbered in that order would be other rows each time. Two reads,
    with another session's partial scan between them, examine the same rows."""
    database = pg.create("CREATE TABLE big (id int, pad text, code text); INSERT INTO big SELECT g, "
                         "repeat(md5(g::text), 60), 'c' || (g % 30) FROM generate_series(1, 36000) g;"
                         "ANALYZE;")
    with psycopg.connect(database) as conn:  # rows under 2 kB are stored whole: a quarter of the buffers
        size = conn.execute("SELECT pg_relation_size('big') > setting::int8 * 8192 / 4 FROM pg_settings "
                            "WHERE name = 'shared_buffers'").fetchone()
    assert size == (True,)
    decide = data_collect.sample_for
    data_collect.sample_for = lambda row, opts: replace(decide(row, opts), hashed=False)  # numbered
    try:
        first, samples = _fingerprints(database, DataOptions(), None)
        with psycopg.connect(database) as conn:  # another session scans part of the table
            conn.execute("SELECT * FROM big LIMIT 17000").fetchall()
        second, _ = _fingerprints(database, DataOptions(), None)
    finally:
        data_collect.sample_for = decide
    assert samples["big"].percent is None
    assert samples["big"].step > 1
    assert first["public"]["big"]["columns"] == second["public"]["big"]["columns"]


def test_a_foreign_partition_is_not_picked_by_tid_hash(pg: Databases) -> None:
    """A file_fdw partition gives every row one made-up TID: a hash of it would take all of them or
    none. A partitioned table with a foreign partition is numbered instead, and both partitions'
    values are examined."""
    csv = Path(tempfile.gettempdir()) / f"fidelity-fdw-{uuid.uuid4().hex}.csv"
    database = pg.create(f"""
        CREATE EXTENSION file_fdw; CREATE SERVER files FOREIGN DATA WRAPPER file_fdw;
        COPY (SELECT g, 'f' || (g % 7) FROM generate_series(1, 30000) g) TO {literal(str(csv))} (FORMAT csv);
        CREATE TABLE fpt (id int, code text) PARTITION BY RANGE (id);
        CREATE TABLE fpt_local PARTITION OF fpt FOR VALUES FROM (100000) TO (200000);
        CREATE FOREIGN TABLE fpt_file PARTITION OF fpt FOR VALUES FROM (0) TO (100000)
            SERVER files OPTIONS (filename {literal(str(csv))}, format 'csv');
        INSERT INTO fpt_local SELECT 100000 + g, 'l' || (g % 7) FROM generate_series(1, 20000) g;
        ANALYZE fpt_local;""")
    try:
        for seed in range(4):
            found, samples = _fingerprints(database, DataOptions(seed=seed, tables=("fpt",)), None)
            assert not samples["fpt"].hashed
            table = found["public"]["fpt"]
            assert table["sample"]["shape_rows"] <= 3 * 2000
            assert len(table["columns"]["code"]["values"]) == 14  # 7 codes in each partition
    finally:
        csv.unlink(missing_ok=True)
