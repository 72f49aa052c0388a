"""The probe holds no lock on a user's table once it has read it: a table read for its data, or
opened by the server to print a CHECK constraint, is let go at once, so a migration's ALTER TABLE
during an audit does not wait behind the probe's open snapshot (and every query behind it)."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from pgfixtures import KEY, Databases, databases

from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.postgres.data.collect import DataShape
from probes.postgres.schema import Scope
from probes.postgres.session import Session, Timeouts

DDL = """
CREATE TABLE "Checked <b>" (id int PRIMARY KEY, qty int CHECK (qty > 0), code text CHECK (code <> ''));
CREATE TABLE sampled (id int PRIMARY KEY, note text);
INSERT INTO sampled SELECT g, 'n' || g FROM generate_series(1, 5000) g;
INSERT INTO "Checked <b>" VALUES (1, 2, 'a');
ANALYZE;
"""


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _held(database: str, pid: int) -> set[str]:
    """The user tables the backend `pid` holds a lock on."""
    with psycopg.connect(database) as admin:
        rows = admin.execute("SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                             "WHERE l.pid = %s AND c.relnamespace = 'public'::regnamespace",
                             (pid,)).fetchall()
    return {row[0] for row in rows}


def _alter(database: str, table: str) -> None:
    """A migration's statement, which must not wait for the probe (it would give up after a second)."""
    with psycopg.connect(database, autocommit=True) as admin:
        admin.execute("SET lock_timeout = '1s'")
        admin.execute(f'ALTER TABLE "{table}" ADD COLUMN added_during_the_audit int')


def test_tables_read_are_let_go_while_the_snapshot_stays_open(pg: Databases) -> None:
    database = pg.create(DDL)
    session = Session.open(database, Timeouts(10, 60_000, 5_000))
    try:
        pid = session.conn.info.backend_pid
        constraints = session.named("constraints", {"schemas": ["public"], "skip": []})
        assert any("qty > 0" in str(row) for row in constraints)  # the CHECK constraints were printed
        shape = DataShape(session, DataOptions(), Scope(("public",)), SecretKeeper(KEY))
        found = shape.read(["public"], [])
        assert set(found["public"]) == {"Checked <b>", "sampled"}
        assert not shape.gaps
        assert _held(database, pid) == set()
        _alter(database, "Checked <b>")
        _alter(database, "sampled")
        # the snapshot is still the one it began with, and usable
        (row,) = session.fetch("SELECT current_setting('transaction_read_only') AS ro", None, "test")
        assert row == {"ro": "on"}
    finally:
        session.close()
