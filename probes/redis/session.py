"""One read-only connection to one Redis database: only commands on the allow list are sent.

Failures that end the snapshot (refused, authentication, a timeout, a server still loading its
data) raise `RedisFault`; a command the server refuses (renamed, unknown, forbidden by an ACL)
raises `CommandFailed`, which callers record as a gap.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
from redis import exceptions
from redis.backoff import NoBackoff
from redis.retry import Retry

from fidelity.probe import one_line
from probes.redis.options import url_problem

#: Every command the probe sends (first word, or first two for a container command). All read:
#: the test suite watches a real server with MONITOR and checks each command against this list.
#: AUTH and SELECT are sent by the client when the URL has a password or a database.
READ_COMMANDS = frozenset({
    "AUTH", "SELECT", "PING", "INFO", "CONFIG GET", "MODULE LIST", "DBSIZE", "SCAN", "TYPE",
    "OBJECT ENCODING", "PTTL", "MEMORY USAGE", "SENTINEL GET-MASTER-ADDR-BY-NAME",
    "STRLEN", "LLEN", "HLEN", "SCARD", "ZCARD", "XLEN", "CLUSTER NODES",
})
CONTAINERS = ("CONFIG", "MODULE", "OBJECT", "MEMORY", "SENTINEL", "CLUSTER")


#: No CLIENT SETINFO on connect (it changes the server's client list): redis-py 7.1+ takes
#: `driver_info=None`, older versions `lib_name=None, lib_version=None`.
NO_CLIENT_INFO: dict[str, Any] = (
    {"driver_info": None} if "driver_info" in inspect.signature(redis.Redis.__init__).parameters
    else {"lib_name": None, "lib_version": None})


class RedisFault(Exception):
    """The snapshot cannot go on: the message says what failed and what to do."""


class CommandFailed(Exception):
    """One command was refused (unknown, renamed, forbidden); the connection is still usable."""


@dataclass(frozen=True)
class Timeouts:
    """Limits for connecting and for each command."""

    connect: float
    """Seconds to wait for the connection."""
    command: float
    """Seconds to wait for one reply (a pipeline counts as one)."""


def command_name(args: Sequence[Any]) -> str:
    """The allow-list name of a command: `CONFIG GET`, `SCAN`, ..."""
    words = [a.decode("utf-8", "replace") if isinstance(a, bytes) else str(a) for a in args[:2]]
    first = words[0].upper()
    return f"{first} {words[1].upper()}" if first in CONTAINERS and len(words) > 1 else first


def _check(args: Sequence[Any]) -> None:
    name = command_name(args)
    if name not in READ_COMMANDS:  # a bug in the probe, never a user's mistake
        raise AssertionError(f"the redis probe must not send {name}")


def with_db(url: str, db: int) -> str:
    """`url` reading database `db`: in the path of a redis:// URL, in `?db=` of a unix:// one."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        query = "&".join([q for q in parts.query.split("&") if q and not q.startswith("db=")] + [f"db={db}"])
        return urlunsplit(parts._replace(query=query))
    return urlunsplit(parts._replace(path=f"/{db}"))


def connection_text(exc: BaseException) -> str:
    """redis-py's message on one line, without its trailing period."""
    return one_line(str(exc)).rstrip(".") or type(exc).__name__


class Session:
    """A client for one database of one server, sending only READ_COMMANDS."""

    def __init__(self, client: redis.Redis, timeouts: Timeouts) -> None:
        self.client = client
        self.timeouts = timeouts
        self.commands = 0
        """Commands sent so far (a pipeline's commands each count)."""

    @classmethod
    def open(cls, url: str, db: int | None, timeouts: Timeouts) -> Session:
        """Connect to database `db` (None: the URL's) of the server at `url`, and check it answers."""
        problem = url_problem(url)
        if problem:
            raise RedisFault(f"invalid url: {problem}")
        try:
            client = redis.Redis.from_url(
                url if db is None else with_db(url, db), socket_connect_timeout=timeouts.connect,
                socket_timeout=timeouts.command,
                retry=Retry(NoBackoff(), 0), retry_on_timeout=False, single_connection_client=True,
                decode_responses=False, protocol=2, **NO_CLIENT_INFO)
        except ValueError as exc:
            raise RedisFault(f"invalid url: {connection_text(exc)}") from None
        except exceptions.RedisError as exc:  # a single-connection client connects at once
            fault = cls._classify(exc, "the connection", timeouts)
            if isinstance(fault, CommandFailed):  # e.g. SELECT of a database the server does not have
                fault = RedisFault(f"the server refused to open the database ({fault}): check `db` and the "
                                   "database number in `url`")
            raise fault from None
        session = cls(client, timeouts)
        try:
            pong = session.call("PING", what="the connection")
        except CommandFailed as exc:
            session.close()
            raise RedisFault(f"the server refused PING ({exc}): is `url` a Redis server, and may this user "
                             "run PING?") from None
        except RedisFault:
            session.close()
            raise
        if pong is not True:  # redis-py reads a PONG as True
            session.close()
            raise RedisFault("the server did not answer PING as Redis does: is `url` a Redis server?")
        return session

    def call(self, *args: Any, what: str) -> Any:
        """Send one command and return its reply; `what` names it in messages."""
        _check(args)
        self.commands += 1
        try:
            return self.client.execute_command(*args)  # type: ignore[no-untyped-call]
        except exceptions.RedisError as exc:
            raise self._classify(exc, what, self.timeouts) from None

    def pipeline(self, commands: Sequence[tuple[Any, ...]], what: str) -> list[Any]:
        """Send commands in one round trip; a command the server refused gives its exception as reply."""
        for args in commands:
            _check(args)
        self.commands += len(commands)
        pipe = self.client.pipeline(transaction=False)
        for args in commands:
            pipe.execute_command(*args)  # type: ignore[no-untyped-call]
        try:
            return list(pipe.execute(raise_on_error=False))
        except exceptions.RedisError as exc:
            raise self._classify(exc, what, self.timeouts) from None

    @staticmethod
    def _classify(exc: exceptions.RedisError, what: str, timeouts: Timeouts) -> Exception:
        text = connection_text(exc)
        if isinstance(exc, exceptions.BusyLoadingError):
            return RedisFault("the server is loading its dataset into memory (a replica syncing, or a "
                              "restart); run again when it has loaded")
        if "authentication required" in text.lower() or text.startswith("NOAUTH"):
            return RedisFault("authentication failed: the server requires a password (NOAUTH); put the user "
                              "and password in `url`, e.g. redis://user:${PASSWORD}@host:6379")
        if isinstance(exc, exceptions.AuthenticationError) or text.startswith("WRONGPASS"):
            return RedisFault(f"authentication failed: {text}; check the user and password in `url`")
        if isinstance(exc, exceptions.TimeoutError):
            return RedisFault(f"no reply within command_timeout ({timeouts.command:g} s) while reading "
                              f"{what}; raise `command_timeout`, or check the server is not stalled")
        if isinstance(exc, exceptions.ConnectionError):
            if "timeout" in text.lower() or "timed out" in text.lower():
                return RedisFault(f"cannot connect within connect_timeout ({timeouts.connect:g} s): {text}")
            return RedisFault(f"cannot connect: {text}")
        return CommandFailed(text)

    def close(self) -> None:
        """Close the connection; nothing was written, so nothing is lost."""
        self.client.close()
