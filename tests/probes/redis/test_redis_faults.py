"""Faults: each is a ProbeError naming the probe and environment, never showing the password.
A command the server refuses (CONFIG renamed away) is a gap, and the rest is still collected."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
import redis
from conftest import fidelity
from redisfixtures import (
    CLI_CONFIG,
    SHARED,
    Server,
    audit,
    cli,
    collect,
    drift,
    free_port,
    server,
    shared_dbs,
)

from fidelity.probe import ProbeError

PASSWORD = "s3cr3t-Redis-Pa55"


def _fault(url: str, **options: object) -> str:
    with pytest.raises(ProbeError) as caught:
        collect(url, "staging", **options)
    message = str(caught.value)
    assert message.startswith("redis probe 'cache', environment 'staging': ")
    assert "\n" not in message
    assert PASSWORD not in message
    return message


def test_connection_refused() -> None:
    message = _fault(f"redis://:{PASSWORD}@127.0.0.1:{free_port()}", connect_timeout=3)
    assert "cannot connect" in message
    assert "Connection refused" in message


def test_wrong_password_and_no_password() -> None:
    with server("--requirepass", PASSWORD, password=PASSWORD) as guarded:
        wrong = _fault(f"redis://:not-{PASSWORD}@127.0.0.1:{guarded.port}")
        assert "authentication failed" in wrong
        assert "invalid username-password pair" in wrong
        missing = _fault(guarded.url)
        assert "authentication failed: the server requires a password (NOAUTH)" in missing
        user = _fault(f"redis://someone:{PASSWORD}@127.0.0.1:{guarded.port}")
        assert "authentication failed" in user
        # the right password reads the server, and it is in neither the data nor the gaps
        result = collect(f"redis://:{PASSWORD}@127.0.0.1:{guarded.port}", keys=True)
        assert result.data["server"]["mode"] == "standalone"
        assert "requirepass" not in result.data["config"]
        assert PASSWORD not in repr(result)


def test_a_stalled_server_times_out() -> None:
    stalled = Server().wait()
    os.kill(stalled.process.pid, signal.SIGSTOP)  # accepts connections (the kernel does), never replies
    try:
        message = _fault(f"redis://:{PASSWORD}@127.0.0.1:{stalled.port}", connect_timeout=2,
                         command_timeout=1)
    finally:
        os.kill(stalled.process.pid, signal.SIGCONT)
        stalled.stop()
    assert "no reply within command_timeout (1 s)" in message


def test_a_server_still_loading_its_data() -> None:
    seeded = Server("--enable-debug-command", "yes").wait()
    folder = seeded.folder
    seeded.client().execute_command("DEBUG", "POPULATE", "20000", "k", "100")
    seeded.client().save()
    seeded.process.kill()
    seeded.process.wait(timeout=30)
    # restarted on the same files, it loads the dump slowly and answers LOADING meanwhile
    loading = Server("--key-load-delay", "2000", "--loading-process-events-interval-bytes", "1024",
                     folder=folder).wait()
    try:
        message = _fault(loading.url, keys=True)
    finally:
        loading.stop()
    assert "the server is loading its dataset into memory" in message


def test_config_renamed_away_is_a_gap_and_the_rest_is_collected() -> None:
    with server("--rename-command", "CONFIG", "") as managed:
        managed.client().mset({f"session:{i}": "x" for i in range(20)})
        result = collect(managed.url, keys=True)
    (gap,) = result.gaps
    assert gap.segments == ("config",)
    assert "CONFIG GET is not available" in gap.message
    assert "unknown command" in gap.message
    assert result.data["server"]["product"] == "redis"
    assert list(result.data["keyspace"]["db#1"]["patterns"]) == ["session:<id>"]


def test_config_forbidden_by_an_acl_is_a_gap() -> None:
    with server() as managed:
        managed.client().execute_command(
            "ACL", "SETUSER", "reader", "on", f">{PASSWORD}", "~*", "+@read", "+ping", "+info",
            "+module|list", "+memory|usage", "+object|encoding")
        result = collect(f"redis://reader:{PASSWORD}@127.0.0.1:{managed.port}", keys=True)
    (gap,) = result.gaps
    assert gap.segments == ("config",)
    assert "NOPERM" in gap.message or "permission" in gap.message
    assert PASSWORD not in gap.message
    assert "keyspace" in result.data


def test_without_memory_usage_lengths_stand_in_for_sizes() -> None:
    with server() as managed, server() as other:
        for target, size in ((managed, 5), (other, 5000)):
            target.client().execute_command(
                "ACL", "SETUSER", "reader", "on", f">{PASSWORD}", "~*", "+@read", "-memory|usage", "+ping",
                "+info", "+config|get", "+module|list")
            target.client().mset({f"session:{i}": "x" * size for i in range(20)})
        url = f"redis://reader:{PASSWORD}@127.0.0.1:{{}}"
        report = audit((url.format(managed.port), {"keys": True}), (url.format(other.port), {"keys": True}))
        result = collect(url.format(managed.port), keys=True)
    assert result.gaps == ()
    pattern = result.data["keyspace"]["db#1"]["patterns"]["session:<id>"]
    assert "memory" not in pattern
    assert pattern["lengths"] == [["1+", 1.0]]
    assert drift(report)["cache/keyspace/db#1/patterns/session:<id>/lengths"] == ("changed", "high")


def test_a_database_the_server_does_not_have_is_one_line_not_an_internal_error() -> None:
    for url, options in ((f"redis://:{PASSWORD}@127.0.0.1:6379/20", {}),
                         (f"redis://:{PASSWORD}@127.0.0.1:6379", {"db": [20]})):
        with server("--requirepass", PASSWORD, "--databases", "16", password=PASSWORD) as guarded:
            message = _fault(url.replace("6379", str(guarded.port)), **options)
        assert message.endswith("the server refused to open the database (DB index is out of range): "
                                "check `db` and the database number in `url`")


def test_a_server_that_refuses_ping_is_one_line_not_an_internal_error() -> None:
    renamed = Server("--rename-command", "PING", "")
    try:
        for _ in range(300):  # up when it answers (Server.wait would PING)
            try:
                renamed.client().dbsize()
                break
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        message = _fault(renamed.url)
    finally:
        renamed.stop()
    assert "the server refused PING (unknown command 'PING'" in message
    assert message.endswith("is `url` a Redis server, and may this user run PING?")


def test_a_url_path_that_is_no_database_number_is_an_error_not_database_0(tmp_path: Path) -> None:
    with shared_dbs() as dbs:
        a = dbs.take()
        dbs.client(a).set("only here", "1")
        bad = f"{SHARED}/{a}x"  # redis-py would read database 0
        message = _fault(bad)
        assert message.endswith("invalid url: the path after host:port must be a database number, as in "
                                "\"redis://host:6379/2\", or nothing")
        result = cli(tmp_path, bad, f"{SHARED}/{a}", "audit", keys="")  # through a variable: exit 3
        assert result.returncode == 3, result.stderr
        config = tmp_path / "literal.toml"
        config.write_text(CLI_CONFIG.format(keys="").replace("${FIDELITY_TEST_PRODUCTION_REDIS}", bad),
                          encoding="utf-8")
        literal = fidelity("audit", "-c", str(config), env={"FIDELITY_TEST_STAGING_REDIS": f"{SHARED}/{a}"})
        assert literal.returncode == 2, literal.stderr
        assert "[probes.cache.production] url: the path after host:port must be a database number" in \
            literal.stderr



@pytest.mark.parametrize("query", ["foo=bar", "db=8", "client_name=fidelity", "socket_timeout=1"])
def test_a_url_parameter_redis_py_would_misread_is_an_error(query: str) -> None:
    # ?db= overrode the `db` option without a word, ?client_name= sent CLIENT SETNAME, and an unknown
    # parameter was an internal error (TypeError)
    message = _fault(f"{SHARED}/?{query}", db=[9])
    name = query.split("=")[0]
    assert message.endswith(f"invalid url: the URL's parameter {name!r} is not used (only username, "
                            "password, ssl_* in a rediss:// URL, db in a unix:// one): set timeouts and "
                            "databases with the probe's options")
