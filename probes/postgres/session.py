"""One read-only, repeatable-read session: connect, run named catalog queries, classify failures.

Every query runs inside a savepoint, so that a query that fails for one part of the
catalog (a migration table the role may not read) leaves the snapshot usable. Failures
that end the snapshot (a timeout, a lost connection) raise `PgFault`; the others raise
`QueryFailed`, which callers record as a gap.
"""

from __future__ import annotations

import contextlib
import json
import pkgutil
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from psycopg import errors, sql
from psycopg.abc import Buffer
from psycopg.adapt import Loader
from psycopg.rows import dict_row

from fidelity.probe import one_line
from probes.postgres.rows import Row

APPLICATION_NAME = "fidelity"
#: Settings the probe gives its own transaction (SET LOCAL), so that `reset_val` stays untouched:
#: fully qualified names in every definition, room to sort a large catalog in memory, and
#: `client_connection_check_interval` (CLIENT_CHECK_MS): how often the server checks that the probe
#: is still connected while one of its queries runs, so that a probe killed outright (SIGKILL, the
#: OOM killer, a lost network) leaves no query of its own running on production for longer. It
#: exists from PostgreSQL 14 on, and a platform that cannot check refuses any value but 0, which
#: would end the snapshot: it is set only where the server runs on Linux, which always can.
SETUP = ("SELECT set_config('statement_timeout', %(statement)s, true), "
         "set_config('lock_timeout', %(lock)s, true), set_config('search_path', 'pg_catalog', true), "
         "set_config('work_mem', '64MB', true), "
         "CASE WHEN current_setting('server_version_num')::int >= 140000 AND version() ~* 'linux' "
         "THEN set_config('client_connection_check_interval', %(check)s, true) END")
CLIENT_CHECK_MS = 1000
#: The savepoint every query runs in, and returns to (`Session.execute`).
SAVEPOINT, RETURN, RELEASE = ("SAVEPOINT fidelity_read", "ROLLBACK TO SAVEPOINT fidelity_read",
                              "RELEASE SAVEPOINT fidelity_read")


#: Text types whose values a SQL_ASCII database returns in no declared encoding.
TEXT_TYPES = ("text", "varchar", "bpchar", "name", '"char"')
JSON_TYPES = ("json", "jsonb")


class LenientText(Loader):
    """Text of a SQL_ASCII database: UTF-8 where it is, U+FFFD for bytes that are not."""

    def load(self, data: Buffer) -> str:
        """Decode, replacing what is not UTF-8."""
        return bytes(data).decode("utf-8", "replace")


class LenientJson(Loader):
    """JSON of a SQL_ASCII database, decoded as LenientText decodes text."""

    def load(self, data: Buffer) -> Any:
        """Decode leniently, then parse."""
        return json.loads(bytes(data).decode("utf-8", "replace"))


def lenient(conn: psycopg.Connection[Row]) -> None:
    """Read a SQL_ASCII database, whose text psycopg would return as bytes: decode it as UTF-8,
    with replacement characters for bytes that are not, instead of refusing it."""
    for name in TEXT_TYPES:
        conn.adapters.register_loader(name, LenientText)
    for name in JSON_TYPES:
        conn.adapters.register_loader(name, LenientJson)


class PgFault(Exception):
    """The snapshot cannot go on: the message says what failed and what to do."""


class StatementTimeout(PgFault):
    """A query ran longer than statement_timeout; the session is still usable after it."""


class QueryFailed(Exception):
    """One query failed but the session is still usable; the message is the server's reason."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        """The server's error code, e.g. 55P03 when a lock wait exceeded lock_timeout."""


@dataclass(frozen=True)
class Timeouts:
    """Limits for connecting and for each query."""

    connect: int
    """Seconds to wait for a connection."""
    statement: int
    """Milliseconds a single query may run."""
    lock: int
    """Milliseconds a query may wait for a lock (only migration tables take one)."""


@cache
def query_text(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    # pkgutil reads through the package's loader (a zip too), without importing importlib.resources'
    # readers and zipfile (3 ms before the first query)
    data = pkgutil.get_data("probes.postgres", f"queries/{name}.sql")
    if data is None:  # a loader that cannot read files: a broken installation
        raise FileNotFoundError(f"probes/postgres/queries/{name}.sql")
    return data.decode("utf-8")


def error_text(exc: BaseException) -> str:
    """An exception's message on one line: the server's primary message, or libpq's without tabs."""
    primary = exc.diag.message_primary if isinstance(exc, psycopg.Error) else None
    return one_line(primary or str(exc))


class Session:
    """A connection inside one REPEATABLE READ READ ONLY transaction."""

    def __init__(self, conn: psycopg.Connection[Row], dsn: str, timeouts: Timeouts) -> None:
        self.conn = conn
        self.dsn = dsn
        self.saved = False
        """Whether the transaction holds the savepoint that every query returns to (`execute`)."""
        self.timeouts = timeouts
        self.queries = 0
        """Queries run so far (the benchmark checks that this does not grow with the schema)."""
        _OPEN.add(self)

    @classmethod
    def open(cls, dsn: str, timeouts: Timeouts, snapshot: str | None = None) -> Session:
        """Connect and start the snapshot transaction: in the snapshot another session exported, if given."""
        try:
            # prepare_threshold=None: no statement is prepared on the server behind the probe's back
            # (a catalog query runs once; only the savepoint's return repeats, and it is tiny)
            conn = psycopg.connect(dsn, connect_timeout=timeouts.connect, prepare_threshold=None,
                                   application_name=APPLICATION_NAME, row_factory=dict_row)
        except psycopg.ProgrammingError as exc:
            raise PgFault(f"invalid dsn: {error_text(exc)}") from None
        except psycopg.Error as exc:
            raise PgFault(f"cannot connect: {error_text(exc).removeprefix('connection failed: ')}") from None
        if conn.info.encoding == "ascii":  # SQL_ASCII: bytes in no declared encoding
            lenient(conn)
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        session = cls(conn, dsn, timeouts)
        try:
            if snapshot is not None:  # before any other statement of the transaction, as the server wants
                session.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)), None,
                                "the shared snapshot", savepoint=False)
            session.begin()
        except BaseException:
            conn.close()
            raise
        return session

    def begin(self) -> None:
        """Give the transaction its settings (not in a savepoint: a first statement opens the transaction)."""
        limits = {"statement": str(self.timeouts.statement), "lock": str(self.timeouts.lock),
                  "check": str(CLIENT_CHECK_MS)}
        self.fetch(sql.SQL(SETUP), limits, "session settings", savepoint=False)

    def export_snapshot(self) -> str | None:
        """The name of this transaction's snapshot, for other sessions to read in; None when the server
        exports none (then the transaction starts again, with nothing read yet). Call it first."""
        try:  # not in a savepoint: the server exports no snapshot from a subtransaction
            return str(self.fetch("SELECT pg_export_snapshot() AS name", None, "the snapshot's name",
                                  savepoint=False)[0]["name"])
        except QueryFailed:
            self.conn.rollback()
            self.saved = False
            self.begin()
            return None

    def fetch(self, query: str | sql.SQL | sql.Composed, params: Mapping[str, Any] | None, what: str,
              savepoint: bool = True) -> list[Row]:
        """Run one query (in a savepoint, so that a failure leaves the snapshot usable); return its rows."""
        cursor = self.execute(query, params, what, savepoint)
        try:
            return cursor.fetchall()
        except (psycopg.DataError, UnicodeError, ValueError) as exc:  # a result psycopg cannot decode
            raise QueryFailed(f"cannot decode the result ({type(exc).__name__})", "22021") from None

    def execute(self, query: str | sql.SQL | sql.Composed, params: Mapping[str, Any] | None, what: str,
                savepoint: bool = True) -> psycopg.Cursor[Row]:
        """Run one query; the returned cursor holds its whole result, to be fetched by any thread.

        In a savepoint, to which the transaction then returns: the rows are read by then, and the
        locks the query took end with it rather than with the snapshot. A table read for its data,
        or opened to print a CHECK constraint, is then not held while the probe reads on, so a
        migration's ALTER TABLE does not wait behind the probe (and every query behind it).

        The savepoint is made once and kept by every return to it, so that a query costs two round
        trips (the query, the return) where a savepoint of its own took four (SAVEPOINT, the query,
        ROLLBACK TO, RELEASE): across a network each costs its latency. (Pipeline mode would send
        the two together, but a connection the server ends then reports only that it was closed,
        not the server's reason.) A query that fails leaves the transaction aborted at the
        savepoint: it is returned to before the failure is raised. A statement outside the savepoint
        (`savepoint=False`: settings the transaction keeps, the snapshot export) releases it first,
        so that no later return undoes what the statement set."""
        self.queries += 1
        statement = sql.SQL(query) if isinstance(query, str) else query
        try:
            if savepoint and not self.saved:
                self.conn.execute(SAVEPOINT)
            elif not savepoint and self.saved:
                self.conn.execute(RELEASE)
            self.saved = savepoint
            cursor = self.conn.cursor().execute(statement, params)
            if savepoint:
                self.conn.execute(RETURN)
            return cursor
        except UnicodeEncodeError:  # a name a SQL_ASCII database can only be sent in ASCII
            raise QueryFailed(f"cannot name it in a query: {what} is not ASCII, and a SQL_ASCII database "
                              "declares no encoding to send it in", "42602") from None
        except errors.QueryCanceled as exc:
            if self.conn.broken:
                raise self._lost(exc, what) from None
            self._recover()
            raise StatementTimeout(f"a query ran longer than statement_timeout ({self.timeouts.statement} "
                                   f"ms) while reading {what}; raise `statement_timeout`") from None
        except psycopg.Error as exc:
            if self.conn.broken or self.conn.closed:
                raise self._lost(exc, what) from None
            self._recover()
            raise QueryFailed(error_text(exc), exc.sqlstate) from None

    def _recover(self) -> None:
        """After a failed query, return to the savepoint (the failure aborted the transaction there);
        a failure outside it leaves the transaction aborted, as it was."""
        if self.saved and self.conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
            with contextlib.suppress(psycopg.Error):  # a lost connection shows on the next query
                self.conn.execute(RETURN)

    def named(self, name: str, params: Mapping[str, Any], **fragments: str) -> list[Row]:
        """Run `queries/<name>.sql`, with version-dependent `fragments` filled in; return its rows."""
        return self.start(name, params, **fragments).fetchall()

    def start(self, name: str, params: Mapping[str, Any], **fragments: str) -> psycopg.Cursor[Row]:
        """Run `queries/<name>.sql` and return the cursor holding its result."""
        text = query_text(name)
        query: str | sql.Composed = (
            sql.SQL(text).format(**{k: sql.SQL(v) for k, v in fragments.items()}) if fragments else text)
        return self.execute(query, params, name.replace("_", " "))

    def _lost(self, exc: psycopg.Error, what: str) -> PgFault:
        original = exc.__context__ if isinstance(exc.__context__, psycopg.Error) else exc
        return PgFault(f"the connection to the server was lost while reading {what}: {error_text(original)}")

    def close(self) -> None:
        """End the transaction and the connection; nothing was written, so nothing is lost."""
        _OPEN.discard(self)
        self.conn.close()

    def cancel(self) -> None:
        """Ask the server to cancel the query this session is running, if any (from any thread: the
        thread running it then gets `QueryCanceled`); best effort, a second at most."""
        with contextlib.suppress(psycopg.Error, OSError):  # closed, or no answer: the command ends anyway
            self.conn.cancel_safe(timeout=1.0)


#: Every session not yet closed, in any thread: an interrupted command cancels their queries.
_OPEN: weakref.WeakSet[Session] = weakref.WeakSet()


def cancel_all() -> None:
    """Cancel the query of every open session (`PostgresProbe.interrupt`)."""
    for session in list(_OPEN):
        session.cancel()

