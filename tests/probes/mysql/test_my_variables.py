"""Server variables and sql_mode, compared between the main MariaDB and a second one started for the test."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from myfixtures import APP_DDL, Databases, audit, collect, databases, drift, dsn, second_server

from fidelity.model import Change, DiffChange
from probes.mysql import severity, variables

V = "db/variables"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def other_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A second server whose sql_mode, charset, time zone and connection limit differ from the main one's."""
    tmp: Path = tmp_path_factory.mktemp("mariadb2")
    with second_server(tmp, free_port(), "--sql-mode=STRICT_ALL_TABLES,ANSI_QUOTES,NO_ENGINE_SUBSTITUTION",
                       "--character-set-server=latin1", "--collation-server=latin1_swedish_ci",
                       "--default-time-zone=+02:00", "--max-connections=77",
                       "--explicit-defaults-for-timestamp=OFF") as port:
        yield port


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_variables_are_read_as_a_new_session_gets_them(my: Databases, other_port: int) -> None:
    data = collect(dsn(port=other_port)).data
    assert data["variables"]["sql_mode"] == {"ANSI_QUOTES": True, "NO_ENGINE_SUBSTITUTION": True,
                                             "STRICT_ALL_TABLES": True}
    assert data["variables"]["time_zone"] == "+02:00"
    assert data["variables"]["character_set_client"] == "latin1"  # the server's, not the driver's utf8mb4
    assert "max_statement_time" not in data["variables"]  # the probe's own setting
    assert not {"port", "datadir", "hostname", "server_id", "socket", "pid_file"} & set(data["variables"])


def test_each_sql_mode_added_or_removed_is_one_high_finding(my: Databases, other_port: int) -> None:
    reference = my.create(APP_DDL)
    with databases(other_port) as others:
        candidate = others.create(APP_DDL)
        found = drift(audit(dsn(reference), dsn(candidate, port=other_port)))
    for mode in ("STRICT_TRANS_TABLES", "ERROR_FOR_DIVISION_BY_ZERO", "NO_AUTO_CREATE_USER"):
        assert found[f"{V}/sql_mode/{mode}"] == ("missing", "high")
    for mode in ("STRICT_ALL_TABLES", "ANSI_QUOTES"):
        assert found[f"{V}/sql_mode/{mode}"] == ("extra", "high")
    assert f"{V}/sql_mode/NO_ENGINE_SUBSTITUTION" not in found
    assert found[f"{V}/character_set_server"] == ("changed", "high")
    assert found[f"{V}/collation_server"] == ("changed", "high")
    assert found[f"{V}/time_zone"] == ("changed", "high")
    assert found[f"{V}/explicit_defaults_for_timestamp"] == ("changed", "high")
    assert found[f"{V}/max_connections"] == ("changed", "low")
    assert found[f"{V}/innodb_buffer_pool_size"] == ("changed", "low")
    # what the same DDL made of the server's defaults is schema drift of its own: routines keep the
    # sql_mode they were created under, events the time zone, tables the default charset
    assert found["db/schema/database/functions/tax/sql_mode"] == ("changed", "high")
    assert found["db/schema/database/events/purge_log/time_zone"] == ("changed", "high")
    assert found["db/schema/database/tables/orders/charset"] == ("changed", "high")


def test_variable_lists() -> None:
    assert variables.severity("sql_mode").value == "high"
    assert variables.severity("innodb_buffer_pool_size").value == "low"
    assert variables.severity("wait_timeout").value == "low"
    assert variables.severity("optimizer_search_depth").value == "low"
    assert variables.severity("query_cache_type").value == "low"
    assert variables.severity("some_new_variable").value == "medium"
    for host_specific in ("datadir", "port", "server_id", "hostname", "log_error", "pid_file", "socket",
                          "tmpdir", "gtid_domain_id", "version"):
        assert variables.is_noise(host_specific)


def test_mariadb_against_mysql_is_critical() -> None:
    reference = {"server": {"flavour": "mariadb"}}
    candidate = {"server": {"flavour": "mysql"}}
    assessment = severity.assess(DiffChange(("server", "flavour"), Change.CHANGED, "mariadb", "mysql"),
                                 reference, candidate)
    assert assessment.severity is not None
    assert assessment.severity.value == "critical"
    assert "different database server" in assessment.message
