"""What the mysql probe does when it cannot read: one-line errors (exit 3) or gaps, never the password."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from myfixtures import Databases, admin, collect, databases, dsn

from fidelity.probe import ProbeError
from probes.mysql.session import LockWait, Session, TimedOut, quote

PASSWORD = "s3cr3t-Pa55word!"


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


def failure(database_dsn: str, **options: object) -> str:
    with pytest.raises(ProbeError) as caught:
        collect(database_dsn, **options)
    message = str(caught.value)
    assert "\n" not in message
    assert PASSWORD not in message
    assert message.startswith("mysql probe 'db', environment 'production': ")
    return message


def test_unreachable_server_is_one_line_naming_host_and_port() -> None:
    message = failure(f"mysql://root:{PASSWORD}@127.0.0.1:1/app")
    assert "cannot connect to 127.0.0.1:1" in message


def test_wrong_password_is_an_authentication_failure_without_the_password(my: Databases) -> None:
    user = my.user(password="right-one")
    message = failure(dsn("", user, PASSWORD))
    assert "authentication failed" in message
    assert user in message


def test_unknown_database(my: Databases) -> None:
    message = failure(dsn("fidelity_no_such_db", "root"))
    assert "cannot use database 'fidelity_no_such_db'" in message


def test_account_that_requires_tls(my: Databases) -> None:
    user = my.user(password=PASSWORD, options="REQUIRE SSL")
    message = failure(dsn("", user, PASSWORD))
    assert "requires TLS (REQUIRE SSL)" in message
    # this server offers no TLS at all: asking for it says so
    message = failure(dsn("", user, PASSWORD), ssl_mode="required")
    assert "TLS failed" in message


def test_invalid_dsn_never_echoes_it() -> None:
    message = failure(f"postgres://root:{PASSWORD}@host/db")
    assert "invalid dsn: expected mysql://" in message


def test_tables_the_user_cannot_see_are_a_gap_not_missing(my: Databases) -> None:
    name = my.create("CREATE TABLE seen (a INT); CREATE TABLE hidden (a INT);"
                     "CREATE TRIGGER tr BEFORE INSERT ON seen FOR EACH ROW SET NEW.a = 1;")
    user = my.user(grants=f"GRANT SELECT ON {quote(name)}.seen TO {{user}}", password=PASSWORD)
    result = collect(dsn(name, user, PASSWORD))
    assert set(result.data["schema"]["database"]["tables"]) == {"seen"}
    gaps = {gap.segments: gap.message for gap in result.gaps}
    assert ("schema", "database", "tables") in gaps
    assert "grant SELECT (or REFERENCES) on the database" in gaps[("schema", "database", "tables")]
    assert ("schema", "database", "triggers") in gaps  # TRIGGER privilege missing: triggers are hidden
    assert all(PASSWORD not in m for m in gaps.values())


def test_a_full_read_grant_gives_no_gap(my: Databases) -> None:
    name = my.create("CREATE TABLE t (a INT)")
    user = my.user(grants=f"GRANT SELECT, SHOW VIEW, TRIGGER, EVENT ON {quote(name)}.* TO {{user}}")
    assert collect(dsn(name, user), migrations="off").gaps == ()


def test_lock_wait_and_timeout_fail_the_query_not_the_snapshot(my: Databases) -> None:
    name = my.create("CREATE TABLE t (a INT); INSERT INTO t VALUES (1)")
    locker = admin(name)
    try:
        locker.cursor().execute("LOCK TABLES t WRITE")
        session = Session.open({"dsn": dsn(name), "lock_timeout": 1000, "statement_timeout": 2500})
        try:
            with pytest.raises(LockWait, match="lock_timeout"):
                session.query(f"SELECT * FROM {quote(name)}.t")
            with pytest.raises(TimedOut, match="statement_timeout"):
                session.query("SELECT SLEEP(6)")
            assert session.query("SELECT 1 AS one") == [{"one": 1}]  # the snapshot goes on
        finally:
            session.close()
    finally:
        locker.close()


def test_a_part_that_fails_is_a_gap_and_the_rest_is_kept(my: Databases) -> None:
    name = my.create("CREATE TABLE t (a INT); CREATE TABLE django_migrations (id INT, app VARCHAR(9),"
                     " name VARCHAR(9), applied DATETIME)")
    # REFERENCES shows every table and column, and reads no row: the migration table is unreadable
    user = my.user(grants=f"GRANT REFERENCES, SHOW VIEW, TRIGGER, EVENT ON {quote(name)}.* TO {{user}}")
    result = collect(dsn(name, user))
    columns = result.data["schema"]["database"]["tables"]["t"]["columns"]
    assert columns == {"a": {"type": "int", "nullable": True}}
    assert [g.segments for g in result.gaps] == [("migrations", "django")]


def test_a_dsn_parameter_the_probe_does_not_use_is_an_error_not_dropped(my: Databases) -> None:
    # `?ssl-mode=REQUIRED` was dropped without a word: the audit ran without the TLS it asked for
    message = failure(dsn(my.create("CREATE TABLE t (a INT)"), "root") + "?ssl-mode=REQUIRED")
    assert message.endswith("invalid dsn: unknown parameter 'ssl-mode' (the only one is `socket`; TLS is set "
                            "by the `ssl_mode` and `ssl_ca` options)")


def test_a_server_that_accepts_and_never_greets_fails_within_connect_timeout() -> None:
    """A port that accepts connections and never sends MySQL's greeting (a wrong service, a hung proxy):
    the handshake waits `connect_timeout`, not the statement timeout plus a minute."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        message = failure(f"mysql://root@127.0.0.1:{port}/app", connect_timeout=2, statement_timeout=1000)
    assert f"cannot connect to 127.0.0.1:{port}: no answer from the server within connect_timeout (2 s)" \
        in message
    assert "during query" not in message  # what the old code said, after statement_timeout + 60 s
