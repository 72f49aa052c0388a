"""Ctrl-C while the postgres probe waits on a production server: the command ends at once, and no
query of its own is left running there (each open session's query is cancelled, not abandoned).

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
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from pgfixtures import Databases, databases

from probes.postgres.session import APPLICATION_NAME

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


def _until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("command", [("snapshot", "--env", "production", "-o", "out.json"), ("audit",)],
                         ids=["snapshot", "audit"])
def test_ctrl_c_cancels_a_query_waiting_on_the_server(pg: Databases, tmp_path: Path,
                                                      command: tuple[str, ...]) -> None:
    dsn = pg.create("CREATE TABLE t (x int CHECK (x > 0)); INSERT INTO t VALUES (1);")
    environments = ("production",) if command[0] == "snapshot" else ("production", "staging")
    (tmp_path / "fidelity.toml").write_text(_config(dsn, environments), encoding="utf-8")
    holder = psycopg.connect(dsn)  # a transaction that has read the table, left open
    holder.execute("SELECT * FROM t")
    queued = threading.Thread(target=lambda: _alter(dsn), daemon=True)
    queued.start()
    try:
        assert _until(lambda: _waiting_alter(dsn), 60), "the ALTER TABLE did not queue"
        env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
        pipe = subprocess.PIPE
        with subprocess.Popen([sys.executable, "-m", "fidelity", *command], cwd=tmp_path, env=env,
                              stdout=pipe, stderr=pipe, text=True) as proc:
            waiting = _until(lambda: ("active", "Lock") in _probe_backends(dsn) or proc.poll() is not None,
                             120)
            assert waiting
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signal.SIGINT)
            try:
                _, stderr = proc.communicate(timeout=240)  # well before any wait would end
            except subprocess.TimeoutExpired:
                proc.kill()  # still waiting: the failure below, not ten more minutes of it
                _, stderr = proc.communicate()
        assert proc.returncode == 130, stderr
        assert "Traceback" not in stderr
        # nothing of the probe's is left waiting, or running, on the server
        assert _until(lambda: not [s for s in _probe_backends(dsn) if s[0] == "active"], 120), \
            _probe_backends(dsn)
    finally:
        holder.rollback()
        holder.close()
        queued.join(timeout=60)


def _alter(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ALTER TABLE t ADD COLUMN y int")


def _waiting_alter(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'ALTER TABLE t%%' "
                           "AND wait_event_type = 'Lock'").fetchone()
        return bool(row and row[0])
