"""Migration tools: detection, applied sets and heads, ahead/behind/diverged, dirty state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pgfixtures import Databases, audit, collect, databases, drift, messages

from probes.postgres.migrations import TOOL_NAMES


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


DJANGO = ("CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL,"
          " name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());")
FLYWAY = ("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50),"
          " description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL,"
          " checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
          " execution_time int NOT NULL, success boolean NOT NULL);")
GOLANG = "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL);"
ALEMBIC = "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"

#: tool -> (DDL with two applied migrations, what the probe records)
TOOLS: dict[str, tuple[str, dict[str, Any]]] = {
    "alembic": (ALEMBIC + "INSERT INTO alembic_version VALUES ('ae1027a6acf');", {"head": "ae1027a6acf"}),
    "golang-migrate": (GOLANG + "INSERT INTO schema_migrations VALUES (20240102, false);",
                       {"head": "20240102", "dirty": False}),
    "schema_migrations": (
        "CREATE TABLE schema_migrations (version varchar PRIMARY KEY);"
        "INSERT INTO schema_migrations VALUES ('20240101000000'), ('20240102000000');",
        {"applied": {"20240101000000": None, "20240102000000": None}}),
    "django": (DJANGO + "INSERT INTO django_migrations (app, name)"
               " VALUES ('shop', '0001_initial'), ('auth', '0001_initial');",
               {"applied": {"auth.0001_initial": None, "shop.0001_initial": None}}),
    "flyway": (FLYWAY + "INSERT INTO flyway_schema_history VALUES"
               " (1, '1', 'init', 'SQL', 'V1__init.sql', 123, 'me', now(), 5, true),"
               " (2, NULL, 'views', 'SQL', 'R__views.sql', 456, 'me', now(), 1, true);",
               {"applied": {"1": "123", "R:views": "456"}, "dirty": False}),
    "prisma": (
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,"
        " finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text,"
        " rolled_back_at timestamptz,"
        " started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);"
        "INSERT INTO _prisma_migrations VALUES ('a', 'c1', now(), '20240101_init', NULL, NULL, now(), 1),"
        " ('b', 'c2', now(), '20240102_undo', NULL, now(), now(), 1);",
        {"applied": {"20240101_init": "c1"}, "dirty": False}),
    "knex": ("CREATE TABLE knex_migrations (id serial PRIMARY KEY, name varchar(255), batch int,"
             " migration_time timestamptz);"
             "INSERT INTO knex_migrations (name, batch) VALUES ('01_init.js', 1);",
             {"applied": {"01_init.js": None}}),
    "liquibase": (
        "CREATE TABLE databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL,"
        " filename varchar(255) NOT NULL, dateexecuted timestamp NOT NULL, orderexecuted int NOT NULL,"
        " exectype varchar(10) NOT NULL, md5sum varchar(35), description varchar(255));"
        "INSERT INTO databasechangelog VALUES"
        " ('1', 'alice', 'db/changelog.xml', now(), 1, 'EXECUTED', '9:abc', 'createTable');",
        {"applied": {"1::alice::db/changelog.xml": "9:abc"}, "dirty": False}),
    "atlas": (
        "CREATE SCHEMA atlas_schema_revisions; CREATE TABLE atlas_schema_revisions.atlas_schema_revisions"
        " (version varchar PRIMARY KEY, description varchar NOT NULL, type bigint NOT NULL DEFAULT 2,"
        " applied bigint NOT NULL DEFAULT 0, total bigint NOT NULL DEFAULT 0,"
        " executed_at timestamptz NOT NULL,"
        " execution_time bigint NOT NULL, error text, hash varchar NOT NULL);"
        "INSERT INTO atlas_schema_revisions.atlas_schema_revisions VALUES"
        " ('20240101000000', 'init', 2, 3, 3, now(), 1, NULL, 'h1');",
        {"applied": {"20240101000000": "h1"}, "dirty": False}),
}


def test_every_tool_has_a_case() -> None:
    assert set(TOOLS) == set(TOOL_NAMES)


@pytest.mark.parametrize("tool", TOOLS)
def test_tool_is_detected_and_left_out_of_the_schema(pg: Databases, tool: str) -> None:
    ddl, expected = TOOLS[tool]
    result = collect(pg.create(ddl))
    assert result.gaps == ()
    assert result.data["migrations"] == {tool: expected}
    for part in result.data["schema"].values():
        assert part["tables"] == {}
        assert part["sequences"] == {}  # knex's and django's serial sequences go with their table


def _django(*names: str) -> str:
    rows = ", ".join(f"('shop', '{name}')" for name in names)
    return DJANGO + f"INSERT INTO django_migrations (app, name) VALUES {rows};"


APPLIED = "db/migrations/django/applied"


@pytest.mark.parametrize(("reference", "candidate", "expected"), [
    (("0001", "0002"), ("0001", "0002", "0003"), {f"{APPLIED}/shop.0003": ("extra", "info")}),
    (("0001", "0002", "0003"), ("0001",), {f"{APPLIED}/shop.0002": ("missing", "high"),
                                           f"{APPLIED}/shop.0003": ("missing", "high")}),
    (("0001", "0002", "0003a"), ("0001", "0002", "0003b"), {f"{APPLIED}/shop.0003a": ("missing", "critical"),
                                                            f"{APPLIED}/shop.0003b": ("extra", "critical")}),
], ids=["candidate-ahead", "candidate-behind", "diverged"])
def test_applied_sets(pg: Databases, reference: tuple[str, ...], candidate: tuple[str, ...],
                      expected: dict[str, tuple[str, str]]) -> None:
    report = audit(pg.create(_django(*reference)), pg.create(_django(*candidate)))
    assert drift(report) == expected


def test_messages_list_migrations_by_name(pg: Databases) -> None:
    found = messages(audit(pg.create(_django("0001", "0002a")), pg.create(_django("0001", "0002b", "0003"))))
    assert found[f"{APPLIED}/shop.0002a"] == (
        "django: migration histories have diverged: the candidate lacks shop.0002a and has "
        "shop.0002b, shop.0003 that the reference lacks")
    found = messages(audit(pg.create(_django("0001")), pg.create(_django("0001", "0002"))))
    assert found == {f"{APPLIED}/shop.0002": "django: migration shop.0002 is only in the candidate "
                                             "(release under test)"}


def test_heads_and_dirty_state(pg: Databases) -> None:
    reference = pg.create(ALEMBIC + "INSERT INTO alembic_version VALUES ('abc123');"
                          "CREATE SCHEMA go;" + GOLANG.replace("schema_migrations", "go.schema_migrations")
                          + "INSERT INTO go.schema_migrations VALUES (7, false);")
    candidate = pg.create(ALEMBIC + "INSERT INTO alembic_version VALUES ('def456');"
                          "CREATE SCHEMA go;" + GOLANG.replace("schema_migrations", "go.schema_migrations")
                          + "INSERT INTO go.schema_migrations VALUES (8, true);")
    report = audit(reference, candidate)
    assert drift(report) == {
        "db/migrations/alembic/head": ("changed", "medium"),
        "db/migrations/golang-migrate/head": ("changed", "medium"),
        "db/migrations/golang-migrate/dirty": ("changed", "high"),
    }
    assert messages(report)["db/migrations/alembic/head"] == (
        "alembic: migration head differs: reference abc123, candidate def456")


def test_failed_migration_and_changed_checksum(pg: Databases) -> None:
    row = ("INSERT INTO flyway_schema_history VALUES"
           " ({0}, '{0}', 'v{0}', 'SQL', 'V{0}.sql', {1}, 'me', now(), 5, {2});")
    reference = pg.create(FLYWAY + row.format(1, 123, "true"))
    candidate = pg.create(FLYWAY + row.format(1, 124, "true") + row.format(2, 9, "false"))
    assert drift(audit(reference, candidate)) == {
        "db/migrations/flyway/applied/1": ("changed", "medium"),
        "db/migrations/flyway/dirty": ("changed", "high"),
    }


def test_tool_table_missing_from_the_candidate(pg: Databases) -> None:
    found = drift(audit(pg.create(_django("0001")), pg.create("")))
    assert found == {"db/migrations/django": ("missing", "high")}


def test_migrations_option_narrows_or_disables(pg: Databases) -> None:
    database = pg.create(_django("0001") + ALEMBIC + "INSERT INTO alembic_version VALUES ('abc');")
    only = collect(database, migrations=["alembic"]).data
    assert only["migrations"] == {"alembic": {"head": "abc"}}
    assert "django_migrations" in only["schema"]["public"]["tables"]
    off = collect(database, migrations="off").data
    assert "migrations" not in off
    assert {"django_migrations", "alembic_version"} <= set(off["schema"]["public"]["tables"])
