"""Server version, settings as a session of the probe's role gets them, and what the options leave out."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest
from pgfixtures import APP_DDL, Databases, audit, collect, databases, drift, dsn, run

from fidelity.model import Category, Change, Severity
from fidelity.probe import DiffChange
from probes.postgres import PostgresProbe, settings


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def _dbname(database_dsn: str) -> str:
    return database_dsn.rpartition("dbname=")[2]


def test_server_version_is_collected(pg: Databases) -> None:
    database = pg.create()
    with psycopg.connect(database) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None
    number = int(row[0])
    version = {"major": number // 10000, "minor": number % 10000}
    assert collect(database).data["server"] == {"version": version}


@pytest.mark.parametrize(("segments", "severity", "message"), [
    (("server", "version", "major"), Severity.HIGH, "server: version/major 15 → 16"),
    (("server", "version", "minor"), Severity.MEDIUM, "server: version/minor 15 → 16"),
])
def test_server_version_severity(segments: tuple[str, ...], severity: Severity, message: str) -> None:
    assessment = PostgresProbe.assess(DiffChange(segments, Change.CHANGED, 15, 16), {}, {})
    assert (assessment.severity, assessment.category, assessment.message) == (
        severity, Category.DEPENDENCY, message)


def test_per_database_settings_count_and_the_probes_own_do_not(pg: Databases) -> None:
    reference, candidate = pg.create(), pg.create()
    name = _dbname(candidate)
    run(candidate, f"ALTER DATABASE {name} SET TimeZone = 'Europe/Paris';"
                   f"ALTER DATABASE {name} SET work_mem = '64MB';"
                   f"ALTER DATABASE {name} SET statement_timeout = '5s';"
                   f"ALTER DATABASE {name} SET app.api_token = 'tok-123456';")
    report = audit(reference, candidate)
    assert drift(report) == {
        "db/settings/TimeZone": ("changed", "high"),
        "db/settings/statement_timeout": ("changed", "medium"),
        "db/settings/work_mem": ("changed", "low"),
        "db/settings/app.api_token": ("extra", "low"),
    }
    values = {f.path: (f.reference, f.candidate) for f in report.comparisons[0].findings}
    assert values["db/settings/work_mem"] == ("4MB", "64MB")
    # The probe runs with statement_timeout = 30s itself; the session default is what counts.
    assert values["db/settings/statement_timeout"] == ("0", "5s")
    assert {f.category for f in report.comparisons[0].findings} == {Category.CONFIG}
    assert "tok-123456" not in json.dumps(collect(candidate).data)


def test_a_setting_of_a_known_few_values_stays_comparable_whatever_its_name(pg: Databases) -> None:
    """password_encryption names a password but holds an enum: a captain must see md5 against
    scram-sha-256, not two fingerprints. A secret-named setting that can hold any text is still
    fingerprinted."""
    reference, candidate = pg.create(), pg.create()
    name = _dbname(candidate)
    run(candidate, f"ALTER DATABASE {name} SET password_encryption = 'md5';"
                   f"ALTER DATABASE {name} SET app.db_password = 'Hunter2-Never-Shown';")
    report = audit(reference, candidate)
    values = {f.path: (f.reference, f.candidate) for f in report.comparisons[0].findings}
    assert values["db/settings/password_encryption"] == ("scram-sha-256", "md5")
    data = collect(candidate).data["settings"]
    assert data["ssl_passphrase_command_supports_reload"] in ("on", "off")
    assert data["app.db_password"].startswith("[secret:")
    assert "Hunter2-Never-Shown" not in json.dumps(collect(candidate).data)


def test_per_role_settings_count(pg: Databases) -> None:
    database = pg.create()
    role = pg.role()
    run(database, f'GRANT pg_read_all_settings TO "{role}";'
                  f"ALTER ROLE \"{role}\" IN DATABASE {_dbname(database)} SET DateStyle = 'German, DMY';")
    report = audit(database, dsn(_dbname(database), user=role))
    assert drift(report) == {"db/settings/DateStyle": ("changed", "high")}


def test_host_specific_settings_are_left_out(pg: Databases) -> None:
    values = collect(pg.create(), exclude_settings=["work_*"]).data["settings"]
    for name in ("data_directory", "config_file", "port", "listen_addresses", "server_version",
                 "application_name", "transaction_isolation", "unix_socket_directories", "work_mem"):
        assert name not in values
    assert values["TimeZone"]
    assert values["shared_buffers"].endswith(("kB", "MB", "GB"))
    assert "maintenance_work_mem" in values


@pytest.mark.parametrize(("name", "severity"), [
    ("shared_buffers", Severity.LOW), ("work_mem", Severity.LOW), ("max_connections", Severity.LOW),
    ("max_parallel_workers_per_gather", Severity.LOW), ("log_min_duration_statement", Severity.LOW),
    ("TimeZone", Severity.HIGH), ("search_path", Severity.HIGH),
    ("standard_conforming_strings", Severity.HIGH),
    ("default_transaction_isolation", Severity.HIGH), ("statement_timeout", Severity.MEDIUM),
    ("jit", Severity.MEDIUM), ("shared_preload_libraries", Severity.MEDIUM),
])
def test_setting_severity(name: str, severity: Severity) -> None:
    assert settings.severity(name) is severity


def test_scope_options(pg: Databases) -> None:
    database = pg.create(APP_DDL)
    everything = collect(database).data["schema"]
    assert set(everything) == {"public", "billing"}
    assert set(collect(database, schemas=["bill*"]).data["schema"]) == {"billing"}
    assert set(collect(database, exclude_schemas=["billing"]).data["schema"]) == {"public"}
    narrowed = collect(database, exclude_tables=["orders", "billing.invoices_*"]).data["schema"]
    assert set(narrowed["public"]["tables"]) == {"customers"}
    assert set(narrowed["billing"]["tables"]) == {"invoices"}
    assert "orders_id_seq" not in narrowed["public"]["sequences"]  # owned by a table left out
    assert "orders_id_seq" in everything["public"]["sequences"]


@pytest.mark.parametrize(("segments", "change", "severity", "message"), [
    (("extensions", "labels"), Change.MISSING, Severity.HIGH,
     "extension labels is missing from the candidate"),
    (("migrations",), Change.EXTRA, Severity.MEDIUM, "migrations is only in the candidate"),
    (("schema", "labels", "enums", "labels"), Change.EXTRA, Severity.MEDIUM,
     "enum labels.labels is only in the candidate"),
    (("settings", "column_order"), Change.CHANGED, Severity.MEDIUM, "setting column_order x → y"),
])
def test_assess_names_objects_whatever_they_are_called(segments: tuple[str, ...], change: Change,
                                                      severity: Severity, message: str) -> None:
    assessment = PostgresProbe.assess(DiffChange(segments, change, "x", "y"), {}, {})
    assert (assessment.severity, assessment.message) == (severity, message)
