"""Catalog queries run ahead of the code that assembles their rows, on the same connection.

One helper thread runs the queued queries in order, each in its own savepoint, while the
caller assembles the results it already has: the server's time and Python's overlap,
and the transaction (and its snapshot) stays the one and only.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import psycopg

from probes.postgres.rows import Row
from probes.postgres.session import Session

Query = tuple[str, dict[str, str]]
"""A query name and its version-dependent fragments."""


class Prefetch:
    """Queries submitted at once, fetched in order; paused while the caller uses the connection."""

    def __init__(self, pool: ThreadPoolExecutor, session: Session, queries: Sequence[Query],
                 params: dict[str, Any]) -> None:
        self.pool = pool
        self.session = session
        self.queries = list(queries)
        self.params = params
        """Parameters of queries submitted from now on; the caller may change `skip`."""
        self.skips: list[frozenset[int]] = [frozenset()] * len(self.queries)
        self.futures = [self._submit(index) for index in range(len(self.queries))]

    def _submit(self, index: int) -> Future[psycopg.Cursor[Row]]:
        name, fragments = self.queries[index]
        params = dict(self.params, skip=sorted(self.params["skip"]))
        self.skips[index] = frozenset(params["skip"])
        return self.pool.submit(self.session.start, name, params, **fragments)

    def result(self, index: int) -> psycopg.Cursor[Row]:
        """The executed query `index` (raises what the query raised)."""
        return self.futures[index].result()

    def pause(self, index: int) -> None:
        """Stop running queries after `index`, and wait until the connection is free."""
        for future in self.futures[index + 1:]:
            future.cancel()
        wait(self.futures[index + 1:])

    def resume(self, index: int) -> None:
        """Submit again, with the current parameters, the queries after `index` that `pause` stopped."""
        for later in range(index + 1, len(self.futures)):
            if self.futures[later].cancelled():
                self.futures[later] = self._submit(later)

    def cancel(self) -> None:
        """Drop every query not started yet."""
        for future in self.futures:
            future.cancel()
