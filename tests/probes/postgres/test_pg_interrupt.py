"""Ctrl-C, SIGTERM or SIGHUP while the postgres probe waits on a production server: the command ends
at once, and no query of its own is left running there (each open session's query is cancelled, not
abandoned); killed outright, it leaves none running for long either (the server checks the client).

The probe's query is made to wait on a real lock queue: one session holds a table in an open
transaction, a second asks for it exclusively (`ALTER TABLE`, queued), and the probe's catalog query
then queues behind that (deparsing the table's CHECK constraint opens the table). Nothing is
granted exclusively, so the probe does not see the table as locked; with `lock_timeout` and
`statement_timeout` at ten minutes the query would wait that long.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from pgfixtures import Databases, databases

from probes.postgres.session import APPLICATION_NAME
from tests.support.polling import until

#: The probe's lock and statement timeouts here: a query left waiting would wait this long, far past
#: every deadline below (which a loaded machine has room to meet).
WAIT_MS = 600_000


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _config(dsn: str, environments: tuple[str, ...]) -> str:
    lines = ['[audit]', f'reference = "{environments[0]}"']
    lines += [f"[environments.{env}]" for env in environments]
    lines += ["[probes.db]", 'type = "postgres"', f"dsn = {json.dumps(dsn)}", 'migrations = "off"',
              f"lock_timeout = {WAIT_MS}", f"statement_timeout = {WAIT_MS}"]
    return "\n".join(lines) + "\n"


def _probe_backends(dsn: str) -> list[tuple[str, str | None]]:
    """(state, wait event type) of every session the probe has open on the database."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [(state, wait) for state, wait in conn.execute(
            "SELECT state, wait_event_type FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()", (APPLICATION_NAME,))]



@contextmanager
def _lock_queue(dsn: str) -> Iterator[None]:
    """Inside: a query of the probe's on table `t` waits behind a queued ALTER TABLE."""
    holder = psycopg.connect(dsn)  # a transaction that has read the table, left open
    holder.execute("SELECT * FROM t")
    queued = threading.Thread(target=lambda: _alter(dsn), daemon=True)
    queued.start()
    try:
        assert until(lambda: _waiting_alter(dsn), 60), "the ALTER TABLE did not queue"
        yield
    finally:
        holder.rollback()
        holder.close()
        queued.join(timeout=60)


@contextmanager
def _waiting_fidelity(pg: Databases, tmp_path: Path, command: tuple[str, ...],
                      ignore: tuple[int, ...] = ()) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """A fidelity process whose probe waits on the lock queue; yields the DSN and the process (killed
    at the end if it still runs, so that a failure does not wait ten minutes). `ignore`: signals its
    parent set to be ignored, as `nohup` does."""
    dsn = pg.create("CREATE TABLE t (x int CHECK (x > 0)); INSERT INTO t VALUES (1);")
    environments = ("production",) if command[0] == "snapshot" else ("production", "staging")
    (tmp_path / "fidelity.toml").write_text(_config(dsn, environments), encoding="utf-8")

    def ignored() -> None:
        for signum in ignore:
            signal.signal(signum, signal.SIG_IGN)

    with _lock_queue(dsn):
        env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
        pipe = subprocess.PIPE
        with subprocess.Popen([sys.executable, "-m", "fidelity", *command], cwd=tmp_path, env=env,
                              stdout=pipe, stderr=pipe, text=True, preexec_fn=ignored) as proc:
            try:
                assert until(lambda: _queued(dsn) or proc.poll() is not None, 120)
                assert proc.poll() is None, proc.communicate()
                yield dsn, proc
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.communicate()


def _queued(dsn: str) -> bool:
    """A query of the probe's waits on the lock queue."""
    return ("active", "Lock") in _probe_backends(dsn)


def _ended(proc: subprocess.Popen[str]) -> str:
    """The stderr of `proc` once it ends: well before any of its waits would (it is killed if not)."""
    try:
        return proc.communicate(timeout=240)[1]
    except subprocess.TimeoutExpired:
        proc.kill()  # still waiting: the failure that follows, not ten more minutes of it
        return proc.communicate()[1]


def _nothing_running(dsn: str) -> bool:
    """Nothing of the probe's is left waiting, or running, on the server (allowing it time to end)."""
    return until(lambda: not [s for s in _probe_backends(dsn) if s[0] == "active"], 120)


SNAPSHOT = ("snapshot", "--env", "production", "-o", "out.json")
AUDIT = ("audit",)


@pytest.mark.parametrize(("command", "signum", "code", "said"), [
    (SNAPSHOT, signal.SIGINT, 130, "fidelity: interrupted"),
    (AUDIT, signal.SIGINT, 130, "fidelity: interrupted"),
    (SNAPSHOT, signal.SIGTERM, 143, "fidelity: terminated (SIGTERM)"),
    (AUDIT, signal.SIGTERM, 143, "fidelity: terminated (SIGTERM)"),
    (AUDIT, signal.SIGHUP, 129, "fidelity: hung up (SIGHUP)"),
], ids=["snapshot-ctrl-c", "audit-ctrl-c", "snapshot-sigterm", "audit-sigterm", "audit-sighup"])
def test_a_stop_signal_cancels_a_query_waiting_on_the_server(pg: Databases, tmp_path: Path,
                                                             command: tuple[str, ...], signum: int,
                                                             code: int, said: str) -> None:
    """Ctrl-C, a CI job's timeout or cancel (SIGTERM) and a closed terminal (SIGHUP) all end the
    command at once, with 128 + the signal's number, and cancel the probe's query on the server."""
    with _waiting_fidelity(pg, tmp_path, command) as (dsn, proc):
        proc.send_signal(signum)
        stderr = _ended(proc)
        assert proc.returncode == code, stderr
        assert stderr.strip().splitlines()[-1] == said
        assert "Traceback" not in stderr
        assert not (tmp_path / "out.json").exists()
        assert _nothing_running(dsn), _probe_backends(dsn)


def test_a_signal_the_parent_ignores_stays_ignored(pg: Databases, tmp_path: Path) -> None:
    """Under `nohup`-style ignoring, SIGTERM and SIGHUP do not stop the command; Ctrl-C still does."""
    with _waiting_fidelity(pg, tmp_path, AUDIT, ignore=(signal.SIGTERM, signal.SIGHUP)) as (dsn, proc):
        proc.send_signal(signal.SIGTERM)
        proc.send_signal(signal.SIGHUP)
        assert not until(lambda: proc.poll() is not None, 3), proc.communicate()
        assert _queued(dsn)
        proc.send_signal(signal.SIGINT)
        stderr = _ended(proc)
        assert proc.returncode == 130, stderr
        assert _nothing_running(dsn), _probe_backends(dsn)


def test_a_killed_probe_leaves_no_query_running(pg: Databases, tmp_path: Path) -> None:
    """SIGKILL (the OOM killer, `kill -9`) runs no handler at all: the server itself notices that the
    client is gone (`client_connection_check_interval`) and ends the query, which would otherwise wait
    out its ten-minute timeouts."""
    with _waiting_fidelity(pg, tmp_path, SNAPSHOT) as (dsn, proc):
        proc.kill()
        proc.wait(timeout=60)
        assert _nothing_running(dsn), _probe_backends(dsn)


def _alter(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE t ADD COLUMN y int")


def _waiting_alter(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE t%%' "
                           "AND wait_event_type = 'Lock'").fetchone()
        return bool(row and row[0])
