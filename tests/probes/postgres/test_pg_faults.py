"""Faults: each is a ProbeError naming the probe and environment, never showing the password.

Parts that cannot be read (a locked migration table, a table dropped during the snapshot)
are gaps instead, and the rest of the snapshot is kept.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pgfixtures import APP_DDL, HOST, Databases, collect, databases, dsn

from fidelity.probe import ProbeError, ProbeResult

PASSWORD = "s3cr3t-Pa55word"


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fault(database_dsn: str, **options: Any) -> str:
    with pytest.raises(ProbeError) as caught:
        collect(database_dsn, "staging", **options)
    message = str(caught.value)
    assert message.startswith("postgres probe 'db', environment 'staging': ")
    assert PASSWORD not in message
    return message


def test_connection_refused() -> None:
    message = _fault(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{_free_port()}/postgres", connect_timeout=3)
    assert "cannot connect" in message
    assert "Connection refused" in message


def test_failed_authentication() -> None:
    message = _fault(f"{HOST} user=nobody_{secrets.token_hex(3)} password={PASSWORD} dbname=postgres")
    assert "cannot connect" in message
    assert "does not exist" in message


def _initdb() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    runnable = os.geteuid() == 0 and shutil.which("runuser") is not None
    return found[-1] if found and runnable else None


@pytest.fixture
def password_cluster() -> Iterator[int]:
    """A throwaway cluster with password (scram) authentication, run as the postgres OS user."""
    initdb = _initdb()
    if initdb is None:
        pytest.skip("needs root, runuser and PostgreSQL's initdb to start a password-auth cluster")
    root = Path(tempfile.mkdtemp(prefix="fidelity-pgauth-"))
    as_postgres = ["runuser", "-u", "postgres", "--"]
    try:
        shutil.chown(root, "postgres")
        (root / "pw").write_text("the-right-one\n")
        shutil.chown(root / "pw", "postgres")
        subprocess.run([*as_postgres, str(initdb), "-D", str(root / "data"), "-A", "scram-sha-256",
                        f"--pwfile={root / 'pw'}", "-U", "postgres"], check=True, capture_output=True)
        port = _free_port()
        subprocess.run([*as_postgres, str(initdb.with_name("pg_ctl")), "-D", str(root / "data"), "-w",
                        "-l", str(root / "log"), "-o", f"-p {port} -k {root} -c listen_addresses=127.0.0.1",
                        "start"], check=True, capture_output=True)
        yield port
        subprocess.run([*as_postgres, str(initdb.with_name("pg_ctl")), "-D", str(root / "data"), "-m",
                        "immediate", "stop"], check=False, capture_output=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_failed_password_authentication(password_cluster: int) -> None:
    message = _fault(f"postgresql://postgres:{PASSWORD}@127.0.0.1:{password_cluster}/postgres")
    assert 'password authentication failed for user "postgres"' in message
    result = collect(f"postgresql://postgres:the-right-one@127.0.0.1:{password_cluster}/postgres")
    assert result.gaps == ()
    assert "the-right-one" not in str(result.data)


def test_unknown_database() -> None:
    name = f"fidelity_test_missing_{secrets.token_hex(3)}"
    message = _fault(f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/{name}")
    assert f'database "{name}" does not exist' in message


def test_invalid_dsn_is_masked() -> None:
    message = _fault(f"postgresql://postgres:{PASSWORD}@127.0.0.1:5432/postgres?bogus=1")
    assert "invalid dsn" in message


@contextmanager
def _locked(database_dsn: str, table: str) -> Iterator[psycopg.Connection[Any]]:
    """Hold an ACCESS EXCLUSIVE lock on `table` until the block ends."""
    with psycopg.connect(database_dsn) as holder:
        holder.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield holder


def _in_thread(run: Callable[[], ProbeResult]) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = run()
        except ProbeError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def _blocked_backend(database_dsn: str) -> int:
    """The pid of the probe's backend once it waits for a lock (found by application_name)."""
    name = database_dsn.rpartition("dbname=")[2]
    with psycopg.connect(dsn("postgres"), autocommit=True) as conn:
        for _ in range(500):
            row = conn.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'fidelity' "
                               "AND datname = %s AND wait_event_type = 'Lock'", (name,)).fetchone()
            if row:
                return int(row[0])
            time.sleep(0.01)
    raise AssertionError("the probe never waited for the lock")


def test_statement_timeout(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    with _locked(database, "django_migrations"):
        message = _fault(database.replace("user=postgres", f"user=postgres password={PASSWORD}"),
                         statement_timeout=1, lock_timeout=60_000)
    assert "a query ran longer than statement_timeout (1 ms)" in message
    assert "raise `statement_timeout`" in message


def test_server_going_away_mid_snapshot(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    with _locked(database, "django_migrations"):
        thread, outcome = _in_thread(lambda: collect(f"{database} password={PASSWORD}", "staging"))
        pid = _blocked_backend(database)
        with psycopg.connect(dsn("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        thread.join(30)
    message = str(outcome["error"])
    assert message.startswith("postgres probe 'db', environment 'staging': the connection to the server was "
                              "lost while reading migration table public.django_migrations: terminating")
    assert PASSWORD not in message


def test_locked_migration_table_is_a_gap(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    with _locked(database, "django_migrations"):
        result = collect(database, lock_timeout=50)
    (gap,) = result.gaps
    assert (gap.object, gap.segments) == ("public.django_migrations", ("migrations", "django"))
    assert "lock timeout" in gap.message
    assert "orders" in result.data["schema"]["public"]["tables"]


def test_locked_table_and_the_views_that_read_it_are_gaps(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    with _locked(database, "orders"):
        result = collect(database, lock_timeout=50)
    # Deparsing checks, partial indexes, views and policies waits for the table's lock, as a
    # SELECT would: that table and the views reading it become gaps; the rest is read.
    assert sorted((g.object, g.segments) for g in result.gaps) == [
        ("public.open_orders", ("schema", "public", "views", "open_orders")),
        ("public.order_totals", ("schema", "public", "views", "order_totals")),
        ("public.orders", ("schema", "public", "tables", "orders")),
    ]
    assert "exclusive lock on it, or on a table it reads, for longer than lock_timeout (50 ms)" in \
        result.gaps[0].message
    public = result.data["schema"]["public"]
    assert set(public["tables"]) == {"customers"}
    assert public["tables"]["customers"]["constraints"]
    assert public["functions"]


def test_table_dropped_during_the_snapshot_is_a_gap(pg: Databases) -> None:
    database = pg.create(APP_DDL + "CREATE TABLE victim (id int DEFAULT 1 CHECK (id > 0));"
                         "CREATE INDEX ON victim (id);")
    with _locked(database, "django_migrations") as holder:
        thread, outcome = _in_thread(lambda: collect(database))
        _blocked_backend(database)  # the snapshot is taken: the probe waits for the migration table
        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute("DROP TABLE victim")
        holder.commit()
        thread.join(30)
    result: ProbeResult = outcome["result"]
    (gap,) = result.gaps
    assert (gap.object, gap.segments) == ("public.victim", ("schema", "public", "tables", "victim"))
    assert "changed or dropped while the snapshot was taken" in gap.message
    tables = result.data["schema"]["public"]["tables"]
    assert "victim" not in tables
    assert tables["orders"]["constraints"]  # the rest is read whole
