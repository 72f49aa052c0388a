"""Real PostgreSQL databases for the postgres probe's tests: created per test, dropped after.

Each test module defines a small `pg` fixture around `Databases`, because a conftest.py
here would shadow the root one that tests import as `conftest`.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from conftest import fidelity
from psycopg import sql

from fidelity.model import AuditReport, Status
from fidelity.policy import Policy, build_report
from fidelity.probe import ProbeContext, ProbeError, ProbeResult
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.postgres import PostgresProbe

HOST = "host=127.0.0.1 port=5432"
KEY = b"postgres probe tests"


def dsn(dbname: str, user: str = "postgres") -> str:
    """A libpq DSN for a database on the local server."""
    return f"{HOST} user={user} dbname={dbname}"


def admin() -> psycopg.Connection[Any]:
    """An autocommit superuser connection to the maintenance database."""
    return psycopg.connect(dsn("postgres"), autocommit=True)


def run(database_dsn: str, statements: str) -> None:
    """Run SQL (several statements allowed) in autocommit mode."""
    with psycopg.connect(database_dsn, autocommit=True) as conn:
        conn.execute(statements)


class Databases:
    """Creates `fidelity_test_<random>` databases and roles, and drops them all at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.roles: list[str] = []

    def create(self, ddl: str = "") -> str:
        """A new database with `ddl` applied; returns its DSN."""
        name = f"fidelity_test_{secrets.token_hex(5)}"
        with admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.names.append(name)
        if ddl.strip():
            run(dsn(name), ddl)
        return dsn(name)

    def role(self, *options: str) -> str:
        """A new login role (cluster-wide, so dropped at the end too)."""
        name = f"fidelity_test_role_{secrets.token_hex(4)}"
        with admin() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN " + " ".join(options)).format(sql.Identifier(name)))
        self.roles.append(name)
        return name

    def close(self) -> None:
        """Drop every database and role created, even ones still in use."""
        with admin() as conn:
            for name in self.names:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            for role in self.roles:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@contextmanager
def databases() -> Iterator[Databases]:
    """A `Databases` that cleans up on exit."""
    created = Databases()
    try:
        yield created
    finally:
        created.close()


def probe(database_dsn: str, environment: str = "production", **options: Any) -> PostgresProbe:
    """A postgres probe named `db` with default options plus `options`."""
    opts = {o.name: o.default for o in PostgresProbe.option_schema} | {"dsn": database_dsn} | options
    return PostgresProbe("db", opts, ProbeContext(environment, SecretKeeper(KEY)))


def collect(database_dsn: str, environment: str = "production", **options: Any) -> ProbeResult:
    """Run the probe once."""
    return probe(database_dsn, environment, **options).collect()


def snapshot(database_dsn: str, environment: str, **options: Any) -> Snapshot:
    """A one-probe snapshot, as `fidelity snapshot` would record it."""
    try:
        result = collect(database_dsn, environment, **options)
        part = ProbeSnapshot(type="postgres", status="ok", data=plain(result.data), gaps=result.gaps)
    except ProbeError as exc:
        part = ProbeSnapshot(type="postgres", status="error", error=str(exc))
    return Snapshot(environment=environment, taken_at="2026-11-27T00:00:00+00:00", tool_version="test",
                    secret_key_id="k", probes={"db": part})


#: A config of one postgres probe over two environments; `{keys}` holds more of its keys or sub-tables.
CLI_CONFIG = """
[audit]
reference = "production"

[environments.production]
[environments.staging]

[probes.db]
type = "postgres"
{keys}
  [probes.db.production]
  dsn = "${{FIDELITY_TEST_PRODUCTION_DSN}}"
  [probes.db.staging]
  dsn = "${{FIDELITY_TEST_STAGING_DSN}}"
"""


def cli(tmp_path: Path, production: str, staging: str, *args: str,
        keys: str = 'schemas = ["public", "billing"]') -> subprocess.CompletedProcess[str]:
    """Run `fidelity <args> -c <config>` on CLI_CONFIG, the two DSNs given through the environment."""
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys=keys), encoding="utf-8")
    return fidelity(*args, "-c", str(config),
                    env={"FIDELITY_TEST_PRODUCTION_DSN": production, "FIDELITY_TEST_STAGING_DSN": staging})


def audit(reference: str, candidate: str, policy: Policy | None = None, **options: Any) -> AuditReport:
    """Snapshot both databases and compare them (with the default policy unless given one)."""
    return build_report(snapshot(reference, "production", **options),
                        [snapshot(candidate, "staging", **options)], policy or Policy())


def drift(report: AuditReport) -> dict[str, tuple[str, str]]:
    """Each finding as path -> (change, severity), but those covered by another (`covered`)."""
    (comparison,) = report.comparisons
    return {f.path: (f.change.value, f.severity.value) for f in comparison.findings
            if f.status is not Status.COVERED}


def covered(report: AuditReport) -> dict[str, str]:
    """Each finding covered by the finding that reports its cause, as path -> message."""
    (comparison,) = report.comparisons
    return {f.path: f.message for f in comparison.findings if f.status is Status.COVERED}


def messages(report: AuditReport) -> dict[str, str]:
    """Each finding as path -> message."""
    (comparison,) = report.comparisons
    return {f.path: f.message for f in comparison.findings}


#: A small application schema that touches every object kind the probe reads.
APP_DDL = """
CREATE SCHEMA billing;
CREATE EXTENSION pg_trgm;
CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped');
CREATE DOMAIN email AS text CHECK (VALUE ~ '@');
CREATE TYPE money_pair AS (amount numeric(12,2), currency char(3));
CREATE TABLE customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email email NOT NULL UNIQUE,
    name text COLLATE "C",
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE customers IS 'people who buy';
CREATE TABLE orders (
    id serial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    status order_status NOT NULL DEFAULT 'new',
    total numeric(12,2) CHECK (total >= 0),
    note text
);
CREATE INDEX orders_open_idx ON orders (customer_id) WHERE status <> 'shipped';
CREATE INDEX ON orders USING gin (note gin_trgm_ops);
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_orders ON orders FOR SELECT USING (customer_id > 0);
CREATE TABLE billing.invoices (id int, at date NOT NULL, amount money_pair) PARTITION BY RANGE (at);
CREATE TABLE billing.invoices_2024 PARTITION OF billing.invoices
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE SEQUENCE billing.invoice_numbers START 1000 INCREMENT 10;
CREATE VIEW open_orders AS
    SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status <> 'shipped';
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, sum(total) AS total FROM orders GROUP BY 1;
CREATE UNIQUE INDEX ON order_totals (customer_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '');  -- never null
    RETURN NEW;
END $$;
CREATE TRIGGER orders_touch BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION billing.tax(amount numeric) RETURNS numeric LANGUAGE sql IMMUTABLE
    BEGIN ATOMIC SELECT amount * 0.2; END;
CREATE TABLE django_migrations (id serial PRIMARY KEY, app varchar(255) NOT NULL,
                                name varchar(255) NOT NULL, applied timestamptz NOT NULL DEFAULT now());
INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial'), ('shop', '0002_orders');
"""
