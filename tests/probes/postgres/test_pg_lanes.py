"""The schema is read on three connections that share the first one's snapshot: each is a
REPEATABLE READ READ ONLY transaction with the same limits, none sees what was committed after
the snapshot began, and when no more connections can be had the first reads alone, to the same
result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pgfixtures import APP_DDL, Databases, collect, databases, run

from probes.postgres.collect import EXTRA_CONNECTIONS
from probes.postgres.lanes import Lanes
from probes.postgres.session import QueryFailed, Session, Timeouts


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_every_connection_reads_the_first_ones_snapshot_read_only(pg: Databases) -> None:
    database = pg.create("CREATE TABLE early (id int);")
    first = Session.open(database, Timeouts(10, 4321, 765))
    lanes = Lanes(first, EXTRA_CONNECTIONS)
    try:
        run(database, "CREATE TABLE late (id int PRIMARY KEY);")  # committed after the snapshot began
        sessions = [session for _, session in lanes.ready()]
        assert len(sessions) == 3
        assert sessions[0] is first
        pids = set()
        for session in sessions:
            (row,) = session.fetch(
                "SELECT pg_backend_pid() AS pid, current_setting('transaction_read_only') AS read_only, "
                "current_setting('transaction_isolation') AS isolation, "
                "current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock, "
                "current_setting('application_name') AS app, "
                "array(SELECT relname::text FROM pg_class WHERE relname IN ('early', 'late')) AS tables",
                None, "test")
            pids.add(row.pop("pid"))
            assert row == {"read_only": "on", "isolation": "repeatable read", "statement": "4321ms",
                           "lock": "765ms", "app": "fidelity", "tables": ["early"]}
            with pytest.raises(QueryFailed, match="read-only transaction"):
                session.fetch("CREATE TABLE written (id int)", None, "test")
        assert len(pids) == 3
    finally:
        lanes.close()
        first.close()


def test_with_no_more_connections_the_first_reads_alone(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    role = pg.role("CONNECTION LIMIT 1")
    run(database, f"GRANT SELECT ON ALL TABLES IN SCHEMA public, billing TO {role};")
    alone = collect(database.replace("user=postgres", f"user={role}"))
    shared = collect(database)
    assert not alone.gaps
    assert not shared.gaps
    assert alone.data["schema"] == shared.data["schema"]  # (a superuser sees more settings)
    assert alone.data["schema"]["public"]["tables"]["orders"]["constraints"]
