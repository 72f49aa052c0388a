"""One read-only, consistent-snapshot session on a MySQL or MariaDB server, through PyMySQL.

`Session.open(options)` takes the probe's parsed options (`dsn`, `ssl_mode`, `ssl_ca`,
`connect_timeout`, `statement_timeout`, `lock_timeout`), reads the variables a new session
of the probe's user gets (before the probe sets anything of its own), then sets its
timeouts and opens `START TRANSACTION WITH CONSISTENT SNAPSHOT` in a `READ ONLY` session.

Failures come in two kinds:

- `MysqlFault` (and its subclasses): the snapshot cannot go on (unreachable server, failed
  authentication, unknown database, TLS, a lost connection). The probe turns it into one
  `ProbeError` line (exit 3).
- `QueryFailed` (and `PermissionDenied`, `LockWait`, `TimedOut`): one query failed, the
  session and its snapshot are still usable; callers record a `Gap` for that part.

No message carries the password: `Session.mask` removes it from any text.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from fidelity.probe import mask_text, one_line

if TYPE_CHECKING:
    import pymysql

Row = dict[str, Any]
"""A result row: column name to value."""

SCHEMES = ("mysql", "mariadb")
#: Values of the `ssl_mode` option, as the mysql client names them.
SSL_MODES = ("disabled", "preferred", "required", "verify_ca", "verify_identity")

#: Server error codes (both flavours) and client error codes that PyMySQL raises.
#: wrong user or password (1698: an unknown user without one); also an account that REQUIREs SSL, without it
ACCESS_DENIED = (1045, 1698)
DB_ACCESS_DENIED = 1044
BAD_DB = 1049
PERMISSION_CODES = (1044, 1142, 1143, 1227, 1370, 1356)  # 1356: a view whose definer lost rights
LOCK_WAIT_TIMEOUT = 1205
TIMEOUT_CODES = (1969, 3024)    # MariaDB max_statement_time, MySQL max_execution_time
SSL_ERROR = 2026
LOST_CODES = (2006, 2013, 2014, 2055)
#: The savepoint `Session.released` goes back to.
RELEASED = "fidelity_read"
UNREACHABLE_CODES = (2002, 2003, 2005)
#: CR_SERVER_LOST: what PyMySQL reports when a read of the handshake times out.
SERVER_LOST = 2013


class MysqlFault(Exception):
    """The snapshot cannot go on: the message says what failed and what to do (exit 3)."""


class Unreachable(MysqlFault):
    """No server answered at the DSN's host and port."""


class AuthFailed(MysqlFault):
    """The server refused the user or password (or the account requires TLS)."""


class UnknownDatabase(MysqlFault):
    """The DSN's database does not exist, or the user may not use it."""


class TlsFailed(MysqlFault):
    """TLS was required but could not be set up (the server offers none, or its certificate fails)."""


class ConnectionLost(MysqlFault):
    """The connection dropped in the middle of the snapshot."""


class QueryFailed(Exception):
    """One query failed; the session and its snapshot are still usable. The message is the server's."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        """The server's error number, e.g. 1142 when a table is not readable."""


class PermissionDenied(QueryFailed):
    """The user lacks a privilege on what the query reads."""


class LockWait(QueryFailed):
    """A lock wait exceeded lock_wait_timeout (another session holds a metadata or row lock)."""


class TimedOut(QueryFailed):
    """The query ran longer than statement_timeout."""


@dataclass(frozen=True)
class Target:
    """Where to connect, from the DSN."""

    host: str
    """Host name or address."""
    port: int
    """TCP port."""
    user: str
    """User name."""
    password: str
    """Password (never shown)."""
    database: str | None
    """The DSN's database, or None."""
    socket: str | None = None
    """A Unix socket path (`?socket=...`), used instead of host and port."""


def parse_dsn(dsn: str) -> Target:
    """`mysql://user:pass@host:port/db` (or `mariadb://`); raises MysqlFault without echoing the DSN."""
    usage = "invalid dsn: expected mysql://user:password@host:port/database"
    try:
        parts = urlsplit(dsn)
        port = parts.port or 3306
    except ValueError:
        raise MysqlFault(usage) from None
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise MysqlFault(usage)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(query) - {"socket"})
    if unknown:  # e.g. ?ssl-mode=REQUIRED, which would otherwise be dropped without a word
        raise MysqlFault(f"invalid dsn: unknown parameter {unknown[0]!r} (the only one is `socket`; TLS "
                         "is set by the `ssl_mode` and `ssl_ca` options)")
    database = unquote(parts.path.lstrip("/")) or None
    return Target(host=parts.hostname, port=port, user=unquote(parts.username or ""),
                  password=unquote(parts.password or ""), database=database, socket=query.get("socket"))


def quote(name: str) -> str:
    """An identifier quoted for MySQL: backticks, with a backtick inside doubled."""
    return "`" + name.replace("`", "``") + "`"


def split_version(text: str) -> tuple[str, str, str]:
    """`(flavour, version, rest)` of `@@version`: '10.11.19-MariaDB-0+deb12u1' is mariadb 10.11.19."""
    match = re.match(r"(?:5\.5\.5-)?(\d+\.\d+\.\d+)(.*)", text)
    number, rest = (match[1], match[2]) if match else (text, "")
    return ("mariadb" if "mariadb" in text.lower() else "mysql"), number, rest


class Session:
    """A connection inside one READ ONLY transaction WITH CONSISTENT SNAPSHOT."""

    def __init__(self, conn: pymysql.connections.Connection[Any], target: Target,
                 tls: Mapping[str, Any] | None = None) -> None:
        self.conn = conn
        self.target = target
        self.tls = dict(tls or {})
        """The connection's TLS arguments, for `cancel`'s connection."""
        self.session_variables: dict[str, str] = {}
        """SHOW SESSION VARIABLES as the probe's user got them at connect, before the probe set any."""
        self.global_variables: dict[str, str] = {}
        """SHOW GLOBAL VARIABLES."""
        self.flavour = "mysql"
        """"mariadb" or "mysql"."""
        self.version = ""
        """The server's version number, e.g. "10.11.19"."""
        self.version_comment = ""
        """@@version_comment, e.g. "Debian 12" or "MySQL Community Server - GPL"."""
        self.queries = 0
        """Queries run so far, the setup included (the benchmark checks it does not grow with the schema)."""
        self.saved = False
        """Whether the transaction holds the savepoint `released` returns to."""
        _OPEN.add(self)

    def _read_variables(self) -> None:
        """The variables a new session gets, read before the probe sets its own."""
        for scope, into in (("SESSION", self.session_variables), ("GLOBAL", self.global_variables)):
            into.update((row["Variable_name"], row["Value"]) for row in self.query(f"SHOW {scope} VARIABLES"))
        self.flavour, self.version, _ = split_version(self.session_variables.get("version", ""))
        self.version_comment = self.session_variables.get("version_comment", "")

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as numbers, e.g. (10, 11, 19)."""
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())

    @classmethod
    def open(cls, options: Mapping[str, Any]) -> Session:
        """Connect with the probe's options and start the snapshot transaction."""
        import pymysql

        target = parse_dsn(options["dsn"])
        statement_ms = int(options.get("statement_timeout", 30000))
        lock_s = max(1, -(-int(options.get("lock_timeout", 5000)) // 1000))  # whole seconds, rounded up
        connect_s = int(options.get("connect_timeout", 10))
        try:
            tls = _tls(options)
            # the handshake's reads wait connect_timeout at most (a server that accepts and never greets)
            conn = pymysql.connect(
                host=target.host, port=target.port, user=target.user, password=target.password,
                database=target.database, unix_socket=target.socket, charset="utf8mb4",
                connect_timeout=connect_s, read_timeout=connect_s, autocommit=None,
                cursorclass=pymysql.cursors.DictCursor, **tls)
        except pymysql.err.MySQLError as exc:
            if exc.args and exc.args[0] in (*UNREACHABLE_CODES, SERVER_LOST) and "timed out" in str(exc):
                where = f"{target.host}:{target.port}" if not target.socket else "the socket"
                raise Unreachable(f"cannot connect to {where}: no answer from the server within "
                                  f"connect_timeout ({connect_s} s); is it a MySQL server, and reachable?"
                                  ) from None
            raise _connect_fault(exc, target, options) from None
        except (OSError, ValueError) as exc:  # e.g. an unreadable ssl_ca file
            raise TlsFailed(f"cannot set up TLS: {one_line(str(exc))}; check `ssl_ca`") from None
        # then a socket read that waits far longer than any statement may run means a dead server
        # (PyMySQL applies `_read_timeout` before each read; it has no public setter)
        setattr(conn, "_read_timeout", statement_ms // 1000 + 60)  # noqa: B010
        session = cls(conn, target, tls)
        try:
            session._read_variables()
            session._check_tls(options)
            session._begin(statement_ms, lock_s)
        except BaseException as exc:  # a failure, or an interrupt: the connection goes with it
            _OPEN.discard(session)
            conn.close()
            if isinstance(exc, QueryFailed):
                raise MysqlFault(f"cannot start the read-only snapshot: {exc}") from None
            raise
        return session

    def _check_tls(self, options: Mapping[str, Any]) -> None:
        if options.get("ssl_mode", "preferred") in ("disabled", "preferred"):
            return
        cipher = self.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
        if not cipher or not cipher[0]["Value"]:
            raise TlsFailed("ssl_mode requires TLS but the connection is not encrypted")

    def _begin(self, statement_ms: int, lock_s: int) -> None:
        """Timeouts for this session only, then the one consistent, read-only transaction."""
        if self.flavour == "mariadb":  # seconds, applies to every statement
            self.query("SET SESSION max_statement_time = %s", (statement_ms / 1000,))
        else:  # milliseconds, applies to SELECT
            self.query("SET SESSION max_execution_time = %s", (statement_ms,))
        self.query("SET SESSION lock_wait_timeout = %s, innodb_lock_wait_timeout = %s", (lock_s, lock_s))
        self.query("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        self.query("START TRANSACTION WITH CONSISTENT SNAPSHOT")

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[Row]:
        """Run one statement and return its rows. With `params`, placeholders are `%s` or `%(name)s`
        and a literal `%` is written `%%`; without, the text is sent as it is."""
        import pymysql

        self.queries += 1
        try:
            with self.conn.cursor() as cursor:
                cursor.execute(sql, params if params else None)
                return list(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            raise self._failure(exc) from None

    @contextmanager
    def released(self) -> Iterator[None]:
        """The metadata locks the statements inside take (a table read takes one, held to the end
        of the transaction) end with the block: it runs after `SAVEPOINT` and ends with `ROLLBACK
        TO SAVEPOINT`, as `mysqldump --single-transaction` reads each table. The server lets them
        go when the transaction changed nothing and holds no row lock, as this read-only one. So a
        migration's ALTER TABLE does not wait behind the rest of the audit.

        The savepoint is made once: a return to it keeps it, so each block costs one round trip
        more than its statements, not two."""
        if not self.saved:
            self.query(f"SAVEPOINT {RELEASED}")
            self.saved = True
        try:
            yield
        finally:
            if self.conn.open:
                try:
                    self.query(f"ROLLBACK TO SAVEPOINT {RELEASED}")
                except QueryFailed:  # no savepoint to go back to: the locks end with the snapshot
                    self.saved = False

    def _failure(self, exc: Exception) -> Exception:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
        message = self.mask(one_line(str(exc.args[1]) if len(exc.args) > 1 else str(exc)))
        if code in LOST_CODES or not self.conn.open:
            return ConnectionLost(f"the connection to the server was lost: {message}")
        if code in PERMISSION_CODES:
            return PermissionDenied(message, code)
        if code == LOCK_WAIT_TIMEOUT:
            return LockWait(f"{message} (another session holds a lock longer than lock_timeout, e.g. a "
                            "running migration; run the audit again, or raise `lock_timeout`)", code)
        if code in TIMEOUT_CODES:
            return TimedOut(f"the query ran longer than statement_timeout; raise `statement_timeout` "
                            f"({message})", code)
        return QueryFailed(message, code)

    def mask(self, text: str) -> str:
        """`text` with the password (and anything shaped like a credential) hidden."""
        return mask_text(text, [self.target.password] if self.target.password else [])

    def close(self) -> None:
        """End the transaction (nothing was written) and the connection."""
        import pymysql

        _OPEN.discard(self)
        try:
            self.conn.rollback()
            self.conn.close()
        except pymysql.err.MySQLError:
            pass

    def cancel(self) -> None:
        """End this session's connection on the server (`KILL CONNECTION`), from any thread, so that
        the statement it runs stops now and no later one starts there; its thread then gets a lost
        connection. Sent on a short-lived connection of the same account, which may end its own
        sessions without any privilege. Best effort, a few seconds at most: an interrupted command
        ends anyway. (The snapshot transaction wrote nothing, so nothing is lost.)"""
        import pymysql

        with suppress(pymysql.err.MySQLError, OSError, ValueError):
            ending = int(self.conn.thread_id())  # type: ignore[no-untyped-call]  # (untyped in the stubs)
            side = pymysql.connect(host=self.target.host, port=self.target.port, user=self.target.user,
                                   password=self.target.password, unix_socket=self.target.socket,
                                   connect_timeout=CANCEL_S, read_timeout=CANCEL_S, write_timeout=CANCEL_S,
                                   **self.tls)
            try:
                with side.cursor() as cursor:
                    cursor.execute("KILL CONNECTION %s", (ending,))
            finally:
                side.close()


#: Seconds `Session.cancel` waits for its own connection and statement.
CANCEL_S = 3
#: Every session not yet closed, in any thread: an interrupted command ends them (`cancel_all`).
_OPEN: weakref.WeakSet[Session] = weakref.WeakSet()


def cancel_all() -> None:
    """End every open session's connection on the server (`MysqlProbe.interrupt`)."""
    for session in list(_OPEN):
        session.cancel()


def _tls(options: Mapping[str, Any]) -> dict[str, Any]:
    """PyMySQL's TLS arguments for `ssl_mode` and `ssl_ca`."""
    import ssl

    mode = options.get("ssl_mode", "preferred")
    ca = options.get("ssl_ca")
    if mode == "disabled":
        return {"ssl_disabled": True}
    if mode == "preferred" and not ca:
        return {}  # PyMySQL's default: TLS when the server offers it, unverified
    context = ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()
    context.check_hostname = mode == "verify_identity"
    if mode in ("preferred", "required") and not ca:
        context.verify_mode = ssl.CERT_NONE
    return {"ssl": context}


def _connect_fault(exc: Exception, target: Target, options: Mapping[str, Any]) -> MysqlFault:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    text = one_line(str(exc.args[1]) if len(exc.args) > 1 else str(exc))
    text = re.sub(r" \(using password: (YES|NO)\)", "", text)  # says nothing, and looks like a secret
    text = mask_text(text, [target.password] if target.password else [])
    where = f"{target.host}:{target.port}" if not target.socket else "the socket"
    if code in UNREACHABLE_CODES:
        return Unreachable(f"cannot connect to {where}: {text}; is the server running and reachable?")
    if code in ACCESS_DENIED:
        hint = "" if options.get("ssl_mode") in ("required", "verify_ca", "verify_identity") else (
            ", or the account requires TLS (REQUIRE SSL): set `ssl_mode` and `ssl_ca`")
        return AuthFailed(f"authentication failed at {where}: {text}; check the DSN's user and "
                          f"password{hint}")
    if code in (BAD_DB, DB_ACCESS_DENIED):
        return UnknownDatabase(f"cannot use database {target.database!r} at {where}: {text}")
    if code == SSL_ERROR:
        return TlsFailed(f"TLS failed at {where}: {text}; check `ssl_mode` and `ssl_ca`")
    return MysqlFault(f"cannot connect to {where}: {text}")
