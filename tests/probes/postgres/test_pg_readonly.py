"""The postgres probe only reads: proved from the server's own statement log, for every connection it
opens (the schema's three lanes, data shape, migrations), on the oldest and the newest major."""

from __future__ import annotations

import re
from collections.abc import Callable

import psycopg
import pytest
from pgfixtures import collect
from pgmajor_schema import ddl

from tests.support.pg_majors import Server

Major = Callable[[int], Server]

#: Every statement the probe may send: reads, its own session's settings, and its transactions
#: (BEGIN ... READ ONLY, the shared snapshot, savepoints around a read that may fail, the end).
READ_ONLY = re.compile(
    r"^\s*(SELECT|WITH|SHOW|SET|BEGIN|START TRANSACTION|SAVEPOINT|RELEASE|ROLLBACK|COMMIT|DECLARE|FETCH"
    r"|CLOSE)\b", re.IGNORECASE)
WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|GRANT|REVOKE|COPY|VACUUM"
                    r"|ANALYZE|CLUSTER|REINDEX|REFRESH|LOCK|NOTIFY|CALL|DO|INTO|FOR\s+(NO\s+KEY\s+)?UPDATE"
                    r"|FOR\s+(KEY\s+)?SHARE|nextval|setval|pg_advisory|lo_)\b", re.IGNORECASE)
#: A log entry's first line: `%m [%p] ` (the default log_line_prefix), then the message.
ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \w+ \[(?P<pid>\d+)\] (?P<message>.*)$")
STATEMENT = re.compile(r"^LOG:  (?:statement|execute [^:]*): (?P<sql>.*)$", re.DOTALL)


def statements(log: str) -> list[tuple[int, str]]:
    """(backend pid, statement) of every statement the log holds, in order."""
    entries: list[tuple[int, list[str]]] = []
    for line in log.splitlines():
        entry = ENTRY.match(line)
        if entry:
            entries.append((int(entry["pid"]), [entry["message"]]))
        elif entries:
            entries[-1][1].append(line)  # a statement continued on the next lines
    found = []
    for pid, lines in entries:
        sent = STATEMENT.match("\n".join(lines))
        if sent:
            found.append((pid, sent["sql"]))
    return found


def code(sql: str) -> str:
    """The statement without its comments, string literals and quoted names (which may say anything)."""
    return re.sub(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", " ", sql, flags=re.DOTALL).strip()


@pytest.mark.parametrize("major", [14, 18])
def test_every_statement_of_every_connection_is_a_read_in_a_read_only_transaction(pg_major: Major,
                                                                                  major: int) -> None:
    server = pg_major(major)
    schema = ddl(major) + """
        INSERT INTO customers (email, name) SELECT 'ro' || i || '@example.com', 'n' || i
            FROM generate_series(1, 300) i;
        ANALYZE;
    """
    reader = f"fidelity_reader_{major}"
    with psycopg.connect(server.dsn(), autocommit=True) as admin:
        admin.execute(f"DROP ROLE IF EXISTS {reader}")
        admin.execute(f"CREATE ROLE {reader} LOGIN")
        admin.execute(f"GRANT pg_read_all_data TO {reader}")
        admin.execute(f"ALTER ROLE {reader} SET log_statement = 'all'")  # its sessions only
    try:
        with server.database(schema) as database:
            log = server.folder / "server.log"
            start = log.stat().st_size
            result = collect(database.replace("user=postgres", f"user={reader}"), data=True)
            with log.open("rb") as handle:
                handle.seek(start)
                sent = statements(handle.read().decode("utf-8", "replace"))
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as admin:
            admin.execute(f"DROP ROLE IF EXISTS {reader}")
    assert result.data["schema"], "the probe read no schema?"
    assert result.data["migrations"], "the probe read no migrations?"
    assert result.data["data"], "the probe measured no data?"
    assert sent, "the server logged nothing: is log_statement taking effect?"
    assert [sql for _, sql in sent if not READ_ONLY.match(code(sql))] == []
    assert [sql for _, sql in sent if WRITES.search(code(sql))] == []
    by_backend: dict[int, list[str]] = {}
    for pid, sql in sent:
        by_backend.setdefault(pid, []).append(code(sql))
    assert len(by_backend) >= 2, "the schema is read on more than one connection"
    for pid, sqls in by_backend.items():
        # each backend opens one read-only repeatable-read transaction before anything it reads
        begin = next(i for i, sql in enumerate(sqls) if sql.upper().startswith(("BEGIN", "START")))
        assert re.search(r"READ ONLY", sqls[begin], re.I), (pid, sqls[begin])
        assert re.search(r"REPEATABLE READ", sqls[begin], re.I), (pid, sqls[begin])
        assert all(sql.upper().startswith(("SET", "SHOW")) for sql in sqls[:begin]), (pid, sqls[:begin])
