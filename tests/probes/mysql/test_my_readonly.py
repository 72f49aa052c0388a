"""The mysql probe only reads, in a fixed number of queries: proved from the server's general query log."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from myfixtures import APP_DDL, Databases, admin, collect, databases, dsn

from probes.mysql.session import quote

#: Every statement the probe may send: reads, settings of its own session (the driver's SET NAMES, timeouts,
#: user variables) and its one transaction (with the savepoint each table's data is read after, and
#: rolled back to, so that its metadata lock ends: `Session.released`).
READ_ONLY = re.compile(r"^\s*(SELECT|WITH|SHOW|SET|START TRANSACTION WITH CONSISTENT SNAPSHOT|ROLLBACK"
                       r"|SAVEPOINT)\b", re.IGNORECASE)
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|ALTER|DROP|TRUNCATE|RENAME|GRANT|REVOKE|FLUSH"
                    r"|LOCK\s+TABLES?|GLOBAL|PERSIST|OPTIMIZE|ANALYZE|REPAIR|CALL|LOAD|HANDLER|INTO)\b",
                    re.IGNORECASE)


@pytest.fixture
def general_log() -> Iterator[datetime]:
    """The general query log on, into mysql.general_log, for the test; the old settings restored after.

    Yields the server's clock when logging began. The log table outlives server restarts, and thread
    ids start again at 1 after each, so older rows can carry the thread id of the probe's connection.
    """
    conn = admin()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@global.general_log, @@global.log_output, NOW(6)")
            enabled, output, began = cursor.fetchone()  # type: ignore[misc]
            cursor.execute("SET GLOBAL log_output = 'FILE,TABLE', general_log = 1")
        yield began
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SET GLOBAL general_log = %s, log_output = %s", (enabled, output))
        conn.close()


def statements(user: str, since: datetime) -> list[str]:
    """What every connection of `user` sent since `since`, in order."""
    conn = admin()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT thread_id FROM mysql.general_log WHERE command_type = 'Connect' "
                           "AND CONVERT(argument USING utf8mb4) LIKE %s AND event_time >= %s",
                           (f"{user}@%", since))
            threads = [row[0] for row in cursor.fetchall()]
            assert threads, f"no connection of {user} in the general log"
            cursor.execute("SELECT CONVERT(argument USING utf8mb4) FROM mysql.general_log "
                           "WHERE thread_id IN %s AND command_type = 'Query' AND event_time >= %s "
                           "ORDER BY event_time",
                           (threads, since))
            return [row[0] for row in cursor.fetchall()]
    finally:
        conn.close()


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


def reader(my: Databases, name: str) -> str:
    """A user that may read `name` (and nothing else), so that its connections are the probe's alone."""
    return my.user(grants=f"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON {quote(name)}.* TO {{user}}")


def test_the_probe_sends_only_reads_in_one_read_only_snapshot(my: Databases, general_log: datetime) -> None:
    name = my.create(APP_DDL + "CREATE TABLE django_migrations (id INT, app VARCHAR(9), name VARCHAR(9),"
                               " applied DATETIME); INSERT INTO customers (email) VALUES ('a@b.c');")
    user = reader(my, name)
    collect(dsn(name, user), data=True)
    sent = statements(user, general_log)
    assert sent, "the probe sent nothing?"
    assert [s for s in sent if not READ_ONLY.match(s)] == []
    assert [s for s in sent if not s.startswith(("SELECT", "WITH", "SHOW")) and WRITES.search(s)] == []
    assert [s for s in sent if re.search(r"INTO\s+(OUTFILE|DUMPFILE)|FOR\s+UPDATE|LOCK\s+IN", s, re.I)] == []
    begin = sent.index("START TRANSACTION WITH CONSISTENT SNAPSHOT")
    assert "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY" in sent[:begin]
    assert any(s.startswith("SET SESSION max_statement_time") for s in sent[:begin])
    assert any(s.startswith("SET SESSION lock_wait_timeout") for s in sent[:begin])
    # everything after the variables is read inside the one transaction
    inside = sent[begin + 1:]
    assert all(s.startswith(("SELECT", "WITH", "SHOW", "SET @", "ROLLBACK", "SAVEPOINT")) for s in inside)
    # each table's data is read after a savepoint, and rolled back to it (its metadata lock ends)
    assert {s for s in inside if s.startswith(("SAVEPOINT", "ROLLBACK"))} == {
        "SAVEPOINT fidelity_read", "ROLLBACK TO SAVEPOINT fidelity_read", "ROLLBACK"}


def test_the_number_of_queries_does_not_grow_with_the_schema(my: Databases, general_log: datetime) -> None:
    counts = []
    for tables in (10, 50):
        ddl = ";".join(f"CREATE TABLE t{i} (id INT PRIMARY KEY, v VARCHAR(9), KEY (v),"
                       f" CONSTRAINT c{i} CHECK (id > 0))" for i in range(tables))
        name = my.create(ddl + "; CREATE VIEW v AS SELECT 1 AS x")
        user = reader(my, name)
        collect(dsn(name, user))
        counts.append(len(statements(user, general_log)))
    assert counts[0] == counts[1]
