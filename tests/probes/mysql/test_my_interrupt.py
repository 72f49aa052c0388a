"""Ctrl-C or SIGTERM while the mysql probe waits on a production server: the command ends at once,
with no snapshot written, and its session is ended on the server (`KILL CONNECTION` of its own
connection, which an account without any privilege may send), so that no statement of the probe's is
left running there.

The probe's statement is made to wait on a real metadata-lock queue: one session holds the table in
an open transaction, a second asks for it exclusively (`ALTER TABLE`, queued), and the probe's data
read then queues behind that. With `lock_timeout` and `statement_timeout` at ten minutes it would
wait that long.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from myfixtures import Databases, admin, databases, dsn

from probes.mysql import MysqlProbe
from probes.mysql.session import ConnectionLost, Session
from tests.support.polling import until

#: The probe's lock and statement timeouts here: a statement left waiting would wait this long, far
#: past every deadline below (which a loaded machine has room to meet).
WAIT_MS = 600_000
CONFIG = f"""[audit]
reference = "production"
[environments.production]
[environments.staging]
[probes.db]
type = "mysql"
dsn = "${{FIDELITY_TEST_DSN}}"
migrations = "off"
lock_timeout = {WAIT_MS}
statement_timeout = {WAIT_MS}
data = true
"""


@pytest.fixture
def dbs() -> Iterator[Databases]:
    with databases() as created:
        yield created



def _sessions(user: str) -> list[tuple[str, str]]:
    """(command, state) of every session of `user` on the server."""
    with admin() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT COMMAND, COALESCE(STATE, '') FROM information_schema.PROCESSLIST "
                       "WHERE USER = %s", (user,))
        return [(str(command), str(state)) for command, state in cursor.fetchall()]


def _waiting(user: str) -> bool:
    return any("metadata lock" in state for _, state in _sessions(user))


@pytest.mark.parametrize(("command", "signum", "code"), [
    (("snapshot", "--env", "production", "-o", "out.json"), signal.SIGINT, 130),
    (("audit",), signal.SIGTERM, 143),
], ids=["snapshot-ctrl-c", "audit-sigterm"])
def test_a_stop_signal_ends_the_session_waiting_on_the_server(dbs: Databases, tmp_path: Path,
                                                              command: tuple[str, ...], signum: int,
                                                              code: int) -> None:
    name = dbs.create("CREATE TABLE t (id INT PRIMARY KEY, note VARCHAR(20)); "
                      "INSERT INTO t SELECT seq, CONCAT('n', seq) FROM seq_1_to_200")
    user = dbs.user(f"GRANT SELECT, SHOW VIEW ON `{name}`.* TO {{user}}", password="pw<b>x")
    (tmp_path / "fidelity.toml").write_text(CONFIG, encoding="utf-8")
    holder = admin(name)  # a transaction that has read the table, left open
    holder.autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute("START TRANSACTION")
        cursor.execute("SELECT * FROM t")
    queued = threading.Thread(target=lambda: _alter(name), daemon=True)
    queued.start()
    try:
        assert until(lambda: _waiting("root"), 60), "the ALTER TABLE did not queue"
        env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
        env["FIDELITY_TEST_DSN"] = dsn(name, user, "pw<b>x")
        pipe = subprocess.PIPE
        with subprocess.Popen([sys.executable, "-m", "fidelity", *command], cwd=tmp_path, env=env,
                              stdout=pipe, stderr=pipe, text=True) as proc:
            try:
                assert until(lambda: _waiting(user) or proc.poll() is not None, 120)
                assert proc.poll() is None, proc.communicate()
                proc.send_signal(signum)
                _, stderr = proc.communicate(timeout=240)  # well before any wait would end
            finally:
                if proc.poll() is None:
                    proc.kill()  # still waiting: the failure below, not ten more minutes of it
                    proc.communicate()
        assert proc.returncode == code, stderr
        assert "Traceback" not in stderr
        assert "pw<b>" not in stderr
        assert not (tmp_path / "out.json").exists()
        # no session of the probe's is left on the server, waiting or otherwise
        assert until(lambda: not _sessions(user), 120), _sessions(user)
    finally:
        holder.rollback()
        holder.close()
        queued.join(timeout=60)


def _alter(database: str) -> None:
    with admin(database) as conn, conn.cursor() as cursor:
        cursor.execute("ALTER TABLE t ADD COLUMN y INT")


def test_an_interrupt_ends_a_running_statement_of_an_unprivileged_account(dbs: Databases) -> None:
    """A statement that runs long rather than waits (a large scan) is not ended by the server when
    the client goes away: it runs to its end. The interrupt ends the session's connection on the
    server, sent by the account itself, which needs no privilege to end its own sessions."""
    name = dbs.create("CREATE TABLE t (id INT PRIMARY KEY)")
    user = dbs.user(f"GRANT SELECT ON `{name}`.* TO {{user}}", password="pw<b>x")
    opts = {o.name: o.default for o in MysqlProbe.option_schema} | {"dsn": dsn(name, user, "pw<b>x"),
                                                                    "statement_timeout": WAIT_MS}
    session = Session.open(opts)
    failures: list[BaseException] = []

    def long_statement() -> None:
        try:
            session.query("SELECT SLEEP(600) AS slept")  # stands in for a ten-minute scan
        except BaseException as exc:  # what the probe's thread gets, whatever it is
            failures.append(exc)

    running = threading.Thread(target=long_statement, daemon=True)
    running.start()
    try:
        assert until(lambda: ("Query", "User sleep") in _sessions(user), 60), _sessions(user)
        MysqlProbe.interrupt()
        running.join(timeout=120)
        assert not running.is_alive()
        assert len(failures) == 1
        assert isinstance(failures[0], ConnectionLost), failures
        assert "pw<b>" not in str(failures[0])
        assert until(lambda: not _sessions(user), 120), _sessions(user)
    finally:
        if running.is_alive():  # the failure above, not ten more minutes of SLEEP
            with admin() as conn, conn.cursor() as cursor:
                cursor.execute("KILL CONNECTION %s", (session.conn.thread_id(),))
        session.close()
