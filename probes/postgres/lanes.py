"""More connections reading the catalog in the first one's snapshot, so that the server runs the
largest catalog queries side by side.

The first session exports its snapshot (`pg_export_snapshot()`); every other session is a
REPEATABLE READ READ ONLY transaction that reads it in (`SET TRANSACTION SNAPSHOT`) before any other
statement, with the same timeouts and settings, so that every query sees the same catalog. A
connection that cannot be had (the server's connection limit, a server that exports no snapshot)
is not used: its queries run on the others.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from probes.postgres.session import PgFault, QueryFailed, Session


def _join(dsn: str, session: Session, snapshot: str) -> Session | None:
    try:
        return Session.open(dsn, session.timeouts, snapshot)
    except (PgFault, QueryFailed):
        return None


class Lanes:
    """Sessions in one snapshot, each with the one thread that runs its queries in order."""

    def __init__(self, session: Session, extra: int) -> None:
        """Start opening `extra` sessions besides `session`; call before `session` reads anything."""
        self.first = session
        self.pools = [ThreadPoolExecutor(max_workers=1, thread_name_prefix="fidelity-pg")
                      for _ in range(1 + extra)]
        snapshot = session.export_snapshot() if extra else None
        self.opening: list[Future[Session | None]] = [
            pool.submit(_join, session.dsn, session, snapshot) for pool in self.pools[1:]] if snapshot else []

    def ready(self) -> list[tuple[ThreadPoolExecutor, Session]]:
        """Each usable session with its thread, the first session first."""
        found = [(self.pools[0], self.first)]
        for pool, opening in zip(self.pools[1:], self.opening, strict=False):
            other = opening.result()
            if other is not None:
                found.append((pool, other))
        return found

    def trim(self, extra: int) -> list[tuple[ThreadPoolExecutor, Session]]:
        """Close the other sessions but the first `extra` usable ones (each after its thread is done),
        and return those, each with its thread; `close` closes them."""
        kept: list[tuple[ThreadPoolExecutor, Session]] = []
        kept_opening: list[Future[Session | None]] = []
        openings: list[Future[Session | None] | None] = [*self.opening]
        openings += [None] * (len(self.pools) - 1 - len(openings))  # no snapshot: none was opened
        for pool, opening in zip(self.pools[1:], openings, strict=True):
            other = None if opening is None else _opened(opening)
            if opening is not None and other is not None and len(kept) < extra:
                kept.append((pool, other))
                kept_opening.append(opening)
                continue
            pool.shutdown(wait=True, cancel_futures=True)
            if other is not None:
                self._retire(other)
        self.pools, self.opening = [self.pools[0], *(pool for pool, _ in kept)], kept_opening
        return kept

    def interrupt(self) -> None:
        """Cancel what every session is running (Ctrl-C), so that `close` does not wait for a query
        that may wait on the server for minutes (a lock queue, a long scan)."""
        opened = [_opened(opening) for opening in self.opening if opening.done()]
        for session in [self.first, *(other for other in opened if other is not None)]:
            session.cancel()

    def close(self) -> None:
        """Wait for the threads, then close the other sessions (their queries count as the first's)."""
        for pool in self.pools:
            pool.shutdown(wait=True, cancel_futures=True)
        opening_all, self.opening = self.opening, []
        for opening in opening_all:
            other = _opened(opening)
            if other is not None:
                self._retire(other)

    def _retire(self, other: Session) -> None:
        self.first.queries += other.queries
        other.close()


def _opened(opening: Future[Session | None]) -> Session | None:
    """The session a lane opened; None when it could not be had, or its opening was cancelled."""
    return None if opening.cancelled() or opening.exception() else opening.result()


#: Seconds a thread holds the GIL before a query thread may take it (Python's default: 0.005): a
#: thread that has a query to send, or a result to take, then waits a tenth as long.
SWITCH_INTERVAL = 0.0005


class _Switching:
    """Python's thread switch interval, shortened while any snapshot in the process reads with lanes
    and restored when the last one ends (environments are probed side by side, each in a thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.saved = 0.0

    @contextmanager
    def shortened(self, interval: float) -> Iterator[None]:
        """`sys.setswitchinterval(interval)` inside, whatever other threads do the same."""
        with self.lock:
            if self.users == 0:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(interval)
            self.users += 1
        try:
            yield
        finally:
            with self.lock:
                self.users -= 1
                if self.users == 0:
                    sys.setswitchinterval(self.saved)


SWITCHING = _Switching()
