"""Catalog queries run ahead of the code that assembles their rows, on connections in one snapshot.

Each connection has one helper thread that runs its queued queries in order, each in its own
savepoint, while the caller assembles the results it already has: the server's time and Python's
overlap, the server runs the queries of different connections side by side, and every query reads
the same snapshot (`probes.postgres.lanes`).
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

    def __init__(self, lanes: Sequence[tuple[ThreadPoolExecutor, Session]], queries: Sequence[Query],
                 params: dict[str, Any], lane_of: Sequence[int] = ()) -> None:
        self.lanes = list(lanes)
        self.queries = list(queries)
        self.lane_of = [lane % len(self.lanes) for lane in lane_of] or [0] * len(self.queries)
        """The lane (index in `lanes`) of each query; with fewer lanes, their queries share the others."""
        self.params = params
        """Parameters of queries submitted from now on; the caller may change `skip`."""
        self.skips: list[frozenset[int]] = [frozenset()] * len(self.queries)
        self.futures = [self._submit(index) for index in range(len(self.queries))]

    def _submit(self, index: int) -> Future[psycopg.Cursor[Row]]:
        name, fragments = self.queries[index]
        params = dict(self.params, skip=sorted(self.params["skip"]))
        self.skips[index] = frozenset(params["skip"])
        pool, session = self.lanes[self.lane_of[index]]
        return pool.submit(session.start, name, params, **fragments)

    def result(self, index: int) -> psycopg.Cursor[Row]:
        """The executed query `index` (raises what the query raised)."""
        return self.futures[index].result()

    def pause(self, index: int) -> None:
        """Stop running queries after `index`, and wait until every connection is free."""
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
