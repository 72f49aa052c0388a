"""`fidelity snapshot` of the 2,000-table database on PostgreSQL 14, 15 and the newest major.

Optional (`python -m benchmarks --only majors`): it starts three servers of
tests/support/pg_majors.py and loads the schema of `cli_snapshot_bench.py` into each. Debian's
`pg_dump` (15) dumps servers up to 15 only, and the npm packages carry no `pg_dump`, so:

* on 14 and 15 the anchor is `pg_dump --schema-only` on the same server (target: ratio <= 0.5,
  as `snapshot`);
* on the newest major the anchor is the probe's own snapshot on 15, in the same run (target: 1.3).

All five processes are interleaved, so the machine's load weighs on each alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from benchmarks.cli_snapshot_bench import CONFIG, TARGET_RATIO, pg_dump, snapshot
from benchmarks.harness import Row, Run, Skipped, interleave, median
from benchmarks.postgres_schema_bench import database, schema_ddl
from tests.support import pg_majors

NEWEST = max(pg_majors.MAJORS)
DUMPED = (14, 15)
#: The newest major's snapshot time may be at most this many times 15's.
TARGET_NEWEST = 1.3


@contextmanager
def _servers(majors: tuple[int, ...]) -> Iterator[dict[int, pg_majors.Server]]:
    servers = pg_majors.Servers()
    try:
        yield {major: servers.get(major) for major in majors}
    finally:
        servers.stop()


def _snapshot(config: Path, dsn: str) -> Callable[[], Run]:
    return lambda: snapshot(config, dsn)


def _dump(folder: Path, dsn: str) -> Callable[[], Run]:
    return lambda: pg_dump(folder, dsn)


def rows(folder: Path, smoke: bool, runs: int) -> list[Row] | Skipped:
    """Rows 14 and 15 against pg_dump, the newest major against 15."""
    tables, objects = (30, 5) if smoke else (2000, 100)
    ddl = schema_ddl(tables, objects, objects)
    try:
        with _servers((*DUMPED, NEWEST)) as servers, ExitStack() as stack:
            dsns = {major: stack.enter_context(database(server.host, ddl)) for major, server in
                    servers.items()}
            versions = {major: server.version for major, server in servers.items()}
            for major in dsns:
                (folder / str(major)).mkdir()
                (folder / str(major) / "fidelity.toml").write_text(CONFIG, encoding="utf-8")
            sides = [_snapshot(folder / str(major) / "fidelity.toml", dsns[major]) for major in dsns]
            sides += [_dump(folder / str(major), dsns[major]) for major in DUMPED]
            samples = interleave(runs, *sides)
    except pg_majors.Unavailable as exc:
        return Skipped("snapshot on PostgreSQL majors", str(exc))
    taken: dict[int, list[Run]] = dict(zip(dsns, samples[:len(dsns)], strict=True))
    dumped: dict[int, list[Run]] = dict(zip(DUMPED, samples[len(dsns):], strict=True))
    found = [Row(f"snapshot of {tables:,} tables on PostgreSQL {versions[major]}", median(taken[major]),
                 median(dumped[major]), TARGET_RATIO, f"pg_dump --schema-only on {versions[major]}",
                 note=f"peak RSS {max(r.peak_mb for r in taken[major]):.0f} MB") for major in DUMPED]
    found.append(Row(f"snapshot of {tables:,} tables on PostgreSQL {versions[NEWEST]}", median(taken[NEWEST]),
                     median(taken[15]), TARGET_NEWEST, f"the same snapshot on {versions[15]}",
                     note=f"pg_dump 15 cannot dump {NEWEST}: the anchor is the probe on 15, same run"))
    return found
