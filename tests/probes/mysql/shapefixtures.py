"""Real MariaDB databases for the mysql probe's data-shape and migration tests: created per test, "
  "dropped after.

Until the probe class judges them, a small test probe type (`mysql-shape-test`) carries the SDK's
judging of `data/` and `migrations/` through the real diff and policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pymysql

from fidelity.model import Assessment, AuditReport, Category
from fidelity.policy import Policy, build_report
from fidelity.probe import DiffChange, Probe, migrations
from fidelity.probe.shape import judge
from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.mysql import migrations as mysql_migrations
from probes.mysql.data.collect import collect
from probes.mysql.session import Session

KEY = b"mysql probe tests"
TYPE = "mysql-shape-test"


def admin(database: str | None = None, user: str = "root", password: str = "") -> Any:
    """An autocommit connection to the local server."""
    return pymysql.connect(host="127.0.0.1", port=3306, user=user, password=password, database=database,
                           autocommit=True, charset="utf8mb4")


class Databases:
    """Creates `fidelity_test_<random>` databases and users, and drops them all at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.users: list[str] = []

    def create(self, *statements: str) -> str:
        """A new database with `statements` run in it; returns its name."""
        name = f"fidelity_test_{secrets.token_hex(5)}"
        with admin() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}`")
        self.names.append(name)
        with admin(name) as conn, conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        return name

    def user(self, *grants: str) -> str:
        """A new user (password `pw`) with `grants` (`{user}` stands for it)."""
        name = f"fid_{secrets.token_hex(4)}"
        with admin() as conn, conn.cursor() as cur:
            cur.execute(f"CREATE USER '{name}'@'%' IDENTIFIED BY 'pw'")
            for grant in grants:
                cur.execute(grant.format(user=f"'{name}'@'%'"))
        self.users.append(name)
        return name

    def close(self) -> None:
        with admin() as conn, conn.cursor() as cur:
            for name in self.names:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
            for user in self.users:
                cur.execute(f"DROP USER IF EXISTS '{user}'@'%'")


@contextmanager
def databases() -> Iterator[Databases]:
    created = Databases()
    try:
        yield created
    finally:
        created.close()


def session(database: str, user: str = "root", password: str = "") -> Session:
    auth = f"{user}:{password}@" if password else f"{user}@"
    return Session.open({"dsn": f"mysql://{auth}127.0.0.1:3306/{database}"})


def tables(database: str) -> list[tuple[str, str]]:
    with admin(database) as conn, conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s", [database])
        return [(database, row[0]) for row in cur.fetchall()]


def shape(database: str, options: DataOptions | None = None, user: str = "root",
          password: str = "") -> tuple[dict[str, Any], list[Any]]:
    """The `data` tree of a database (its one database keyed `db`, so two databases compare)."""
    found = tables(database)
    s = session(database, user, password)
    try:
        tree, gaps = collect(s, found, options or DataOptions(), SecretKeeper(KEY))
    finally:
        s.close()
    return ({"db": tree[database]} if database in tree else {}), gaps


def history(database: str, wanted: Sequence[str] = migrations.TOOL_NAMES) -> tuple[dict[str, Any], list[Any]]:
    s = session(database)
    try:
        return mysql_migrations.collect(s, [database], wanted)
    finally:
        s.close()


class ShapeProbe(Probe):
    """Judges `data/` and `migrations/` as the mysql probe does: with the SDK's shared rules."""

    type_name = TYPE

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        if change.segments[0] in ("data", "data_key"):
            return judge.assess(change, reference, candidate)
        if change.segments[0] == "migrations":
            found = migrations.assess(change, reference, candidate)
            if found is not None:
                return Assessment(found[0], Category.SCHEMA, found[1])
        return super().assess(change, reference, candidate)


def _snapshot(environment: str, data: dict[str, Any]) -> Snapshot:
    part = ProbeSnapshot(type=TYPE, status="ok", data=plain(data), gaps=())
    return Snapshot(environment=environment, taken_at="2026-11-30T00:00:00+00:00", tool_version="test",
                    secret_key_id="k", probes={"db": part})


def audit(reference: dict[str, Any], candidate: dict[str, Any]) -> AuditReport:
    return build_report(_snapshot("production", reference), [_snapshot("staging", candidate)], Policy())


def drift(report: AuditReport) -> dict[str, tuple[str, str]]:
    (comparison,) = report.comparisons
    return {f.path: (f.change.value, f.severity.value) for f in comparison.findings}
