"""Migration tools on MySQL/MariaDB through the shared readers: detection, pending, behind, diverged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from shapefixtures import TYPE, ShapeProbe, audit, databases, drift, history

from fidelity.probe import registry
from fidelity.probe.migrations import TOOL_NAMES


@pytest.fixture(autouse=True)
def _register(monkeypatch: pytest.MonkeyPatch) -> None:
    types = dict(registry.probe_types()) | {TYPE: ShapeProbe}
    monkeypatch.setattr(registry, "probe_types", lambda: types)


@pytest.fixture
def dbs() -> Iterator[Any]:
    with databases() as created:
        yield created


TOOLS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "alembic": (("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
                 "INSERT INTO alembic_version VALUES ('ae1027a6acf')"), {"head": "ae1027a6acf"}),
    "golang-migrate": (("CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, dirty "
                        "TINYINT(1) NOT NULL)",
                        "INSERT INTO schema_migrations VALUES (20240102, 0)"),
                       {"head": "20240102", "dirty": False}),
    "schema_migrations": (("CREATE TABLE schema_migrations (version VARCHAR(255) PRIMARY KEY)",
                           "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000')"),
                          {"applied": {"20240101000000": None, "20240102000000": None}}),
    "django": (("CREATE TABLE django_migrations (id INT AUTO_INCREMENT PRIMARY KEY, app VARCHAR(255), "
                "name VARCHAR(255), applied DATETIME)",
                "INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), "
                "('auth', '0001_initial')"),
               {"applied": {"auth.0001_initial": None, "shop.0001_initial": None}}),
    "flyway": (("CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50), "
                "description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), checksum INT, "
                "installed_by VARCHAR(100), installed_on TIMESTAMP DEFAULT CURRENT_TIMESTAMP, "
                "execution_time INT, success TINYINT(1))",
                "INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', "
                "123, 'me', NOW(), 5, 1),"
                " (2, NULL, 'views', 'SQL', 'R__views.sql', 456, 'me', NOW(), 1, 1)"),
               {"applied": {"1": "123", "R:views": "456"}, "dirty": False}),
    "prisma": (("CREATE TABLE _prisma_migrations (id VARCHAR(36) PRIMARY KEY, checksum VARCHAR(64) NOT NULL, "
                "finished_at DATETIME(3), migration_name VARCHAR(255) NOT NULL, logs TEXT, "
                "rolled_back_at DATETIME(3), "
                "started_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), applied_steps_count "
                "INT DEFAULT 0)",
                "INSERT INTO _prisma_migrations VALUES ('a', 'c1', NOW(), '20240101_init', NULL, "
                "NULL, NOW(), 1),"
                " ('b', 'c2', NOW(), '20240102_undo', NULL, NOW(), NOW(), 1)"),
               {"applied": {"20240101_init": "c1"}, "dirty": False}),
    "knex": (("CREATE TABLE knex_migrations (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255), "
              "batch INT, "
              "migration_time TIMESTAMP NULL)", "INSERT INTO knex_migrations (name, batch) VALUES "
                                                "('01_init.js', 1)"),
             {"applied": {"01_init.js": None}}),
    "liquibase": (("CREATE TABLE DATABASECHANGELOG (ID VARCHAR(255) NOT NULL, AUTHOR VARCHAR(255) NOT NULL, "
                   "FILENAME VARCHAR(255) NOT NULL, DATEEXECUTED DATETIME NOT NULL, ORDEREXECUTED "
                   "INT NOT NULL, "
                   "EXECTYPE VARCHAR(10) NOT NULL, MD5SUM VARCHAR(35), DESCRIPTION VARCHAR(255))",
                   "INSERT INTO DATABASECHANGELOG VALUES ('1', 'alice', 'db/changelog.xml', NOW(), "
                   "1, 'EXECUTED', "
                   "'9:abc', 'createTable')"),
                  {"applied": {"1::alice::db/changelog.xml": "9:abc"}, "dirty": False}),
    "atlas": (("CREATE TABLE atlas_schema_revisions (version VARCHAR(255) PRIMARY KEY, description "
               "VARCHAR(255), "
               "type BIGINT DEFAULT 2, applied BIGINT DEFAULT 0, total BIGINT DEFAULT 0, "
               "executed_at DATETIME, "
               "execution_time BIGINT, error LONGTEXT, hash VARCHAR(255) NOT NULL)",
               "INSERT INTO atlas_schema_revisions VALUES ('20240101000000', 'init', 2, 3, 3, "
               "NOW(), 1, NULL, 'h1')"),
              {"applied": {"20240101000000": "h1"}, "dirty": False}),
}


def test_every_tool_has_a_case() -> None:
    assert set(TOOLS) == set(TOOL_NAMES)


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_is_detected(dbs: Any, tool: str) -> None:
    statements, expected = TOOLS[tool]
    data, gaps = history(dbs.create(*statements))
    assert gaps == []
    assert data == {tool: expected}


def _django(*names: str) -> tuple[str, ...]:
    rows = ", ".join(f"('shop', '{name}')" for name in names)
    return (TOOLS["django"][0][0], f"INSERT INTO django_migrations (app, name) VALUES {rows}")


APPLIED = "db/migrations/django/applied"


@pytest.mark.parametrize(("reference", "candidate", "expected"), [
    (("0001", "0002"), ("0001", "0002", "0003"), {f"{APPLIED}/shop.0003": ("extra", "info")}),
    (("0001", "0002", "0003"), ("0001",), {f"{APPLIED}/shop.0002": ("missing", "high"),
                                           f"{APPLIED}/shop.0003": ("missing", "high")}),
    (("0001", "0002", "0003a"), ("0001", "0002", "0003b"), {f"{APPLIED}/shop.0003a": ("missing", "critical"),
                                                            f"{APPLIED}/shop.0003b": ("extra", "critical")}),
], ids=["pending", "behind", "diverged"])
def test_applied_sets(dbs: Any, reference: tuple[str, ...], candidate: tuple[str, ...],
                      expected: dict[str, tuple[str, str]]) -> None:
    ref, cand = history(dbs.create(*_django(*reference)))[0], history(dbs.create(*_django(*candidate)))[0]
    assert drift(audit({"migrations": ref}, {"migrations": cand})) == expected


def test_dirty_golang_migrate_is_high(dbs: Any) -> None:
    clean = history(dbs.create(TOOLS["golang-migrate"][0][0], "INSERT INTO schema_migrations VALUES "
                                                              "(3, 0)"))[0]
    dirty = history(dbs.create(TOOLS["golang-migrate"][0][0], "INSERT INTO schema_migrations VALUES "
                                                              "(3, 1)"))[0]
    assert drift(audit({"migrations": clean}, {"migrations": dirty})) == {
        "db/migrations/golang-migrate/dirty": ("changed", "high")}


def test_unreadable_history_table_is_a_gap(dbs: Any) -> None:
    name = dbs.create(*_django("0001"))
    user = dbs.user(f"GRANT INSERT ON `{name}`.* TO {{user}}")
    from shapefixtures import session

    from probes.mysql import migrations
    s = session(name, user, "pw")
    try:
        data, gaps = migrations.collect(s, [name], TOOL_NAMES)
    finally:
        s.close()
    assert data == {}
    assert [g.segments for g in gaps] == [("migrations", "django")]
