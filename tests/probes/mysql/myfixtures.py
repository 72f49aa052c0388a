"""Real MariaDB databases for the mysql probe's tests: created per test, dropped after.

The server is the machine's MariaDB on 127.0.0.1:3306 (root, no password); `.ci/run` starts
it. Two databases on it are two environments: the probe keys the DSN's own database as
`database`, so their names never show in paths.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pymysql
from conftest import fidelity

from fidelity.model import AuditReport
from fidelity.policy import Policy, build_report
from fidelity.probe import ProbeContext, ProbeError, ProbeResult
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.mysql import MysqlProbe
from probes.mysql.session import quote

HOST, PORT = "127.0.0.1", 3306
KEY = b"mysql probe tests"


def dsn(database: str = "", user: str = "root", password: str = "", port: int = PORT) -> str:
    """A DSN for a database on the local server."""
    auth = f"{user}:{password}" if password else user
    return f"mysql://{auth}@{HOST}:{port}/{database}"


def admin(database: str | None = None, port: int = PORT) -> pymysql.connections.Connection[Any]:
    """An autocommit root connection."""
    return pymysql.connect(host=HOST, port=port, user="root", database=database, autocommit=True,
                           charset="utf8mb4", client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS)


def run(database: str, statements: str, port: int = PORT) -> None:
    """Run SQL (several statements, `;`-separated, allowed) in `database`."""
    conn = admin(database, port)
    try:
        with conn.cursor() as cursor:
            cursor.execute(statements)
            while cursor.nextset():
                pass
    finally:
        conn.close()


class Databases:
    """Creates `fidelity_test_<random>` databases and users, and drops them all at the end."""

    def __init__(self, port: int = PORT) -> None:
        self.port = port
        self.names: list[str] = []
        self.users: list[str] = []

    def create(self, ddl: str = "") -> str:
        """A new database with `ddl` applied; returns its name."""
        name = f"fidelity_test_{secrets.token_hex(5)}"
        run("", f"CREATE DATABASE {quote(name)}", self.port)
        self.names.append(name)
        if ddl.strip():
            run(name, ddl, self.port)
        return name

    def user(self, grants: str = "", password: str = "", options: str = "") -> str:
        """A new user at 127.0.0.1; `grants` uses {db} for... nothing: pass full GRANT statements."""
        name = f"fid_{secrets.token_hex(4)}"
        self.users.append(name)
        run("", f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}' {options}", self.port)
        if grants:
            run("", grants.format(user=f"'{name}'@'%'"), self.port)
        return name

    def close(self) -> None:
        """Drop every database and user created."""
        for name in self.names:
            run("", f"DROP DATABASE IF EXISTS {quote(name)}", self.port)
        for user in self.users:
            run("", f"DROP USER IF EXISTS '{user}'@'%'", self.port)


@contextmanager
def databases(port: int = PORT) -> Iterator[Databases]:
    """A `Databases` that cleans up on exit."""
    created = Databases(port)
    try:
        yield created
    finally:
        created.close()


def probe(database_dsn: str, environment: str = "production", **options: Any) -> MysqlProbe:
    """A mysql probe named `db` with default options plus `options`."""
    opts = {o.name: o.default for o in MysqlProbe.option_schema} | {"dsn": database_dsn} | options
    return MysqlProbe("db", opts, ProbeContext(environment, SecretKeeper(KEY)))


def collect(database_dsn: str, environment: str = "production", **options: Any) -> ProbeResult:
    """Run the probe once."""
    return probe(database_dsn, environment, **options).collect()


def snapshot(database_dsn: str, environment: str, **options: Any) -> Snapshot:
    """A one-probe snapshot, as `fidelity snapshot` would record it."""
    try:
        result = collect(database_dsn, environment, **options)
        part = ProbeSnapshot(type="mysql", status="ok", data=plain(result.data), gaps=result.gaps)
    except ProbeError as exc:
        part = ProbeSnapshot(type="mysql", status="error", error=str(exc))
    return Snapshot(environment=environment, taken_at="2026-11-27T00:00:00+00:00", tool_version="test",
                    secret_key_id="k", probes={"db": part})


def audit(reference: str, candidate: str, policy: Policy | None = None, **options: Any) -> AuditReport:
    """Snapshot both databases and compare them (with the default policy unless given one)."""
    return build_report(snapshot(reference, "production", **options),
                        [snapshot(candidate, "staging", **options)], policy or Policy())


def drift(report: AuditReport) -> dict[str, tuple[str, str]]:
    """Each finding as path -> (change, severity)."""
    (comparison,) = report.comparisons
    return {f.path: (f.change.value, f.severity.value) for f in comparison.findings}


#: A config of one mysql probe over two environments; `{keys}` holds more of its keys.
CLI_CONFIG = """
[audit]
reference = "production"

[environments.production]
[environments.staging]

[probes.db]
type = "mysql"
{keys}
  [probes.db.production]
  dsn = "${{FIDELITY_TEST_PRODUCTION_DSN}}"
  [probes.db.staging]
  dsn = "${{FIDELITY_TEST_STAGING_DSN}}"
"""


def cli(tmp_path: Path, production: str, staging: str, *args: str,
        keys: str = "") -> subprocess.CompletedProcess[str]:
    """Run `fidelity <args> -c <config>` on CLI_CONFIG, the two DSNs given through the environment."""
    config = tmp_path / "fidelity.toml"
    config.write_text(CLI_CONFIG.format(keys=keys), encoding="utf-8")
    return fidelity(*args, "-c", str(config),
                    env={"FIDELITY_TEST_PRODUCTION_DSN": production, "FIDELITY_TEST_STAGING_DSN": staging})


#: A small application schema that touches every object kind the probe reads.
APP_DDL = """
CREATE TABLE customers (
    id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(190) NOT NULL,
    name VARCHAR(100) COLLATE utf8mb4_bin DEFAULT 'it''s',
    score DECIMAL(10,2) NOT NULL DEFAULT 0.00,
    doc JSON,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    upper_email VARCHAR(190) AS (UPPER(email)) STORED,
    secret_note TEXT INVISIBLE COMMENT 'hidden',
    UNIQUE KEY customers_email (email),
    KEY customers_name (name(20), created_at DESC),
    FULLTEXT KEY customers_ft (email),
    CONSTRAINT score_positive CHECK (score >= 0)
) ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='people who buy';
CREATE TABLE orders (
    id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    customer_id BIGINT UNSIGNED NOT NULL,
    status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',
    total DECIMAL(12,2),
    placed DATE NOT NULL,
    CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE
) ENGINE=InnoDB;
CREATE TABLE events_log (id INT NOT NULL, at DATE NOT NULL, PRIMARY KEY (id, at))
    PARTITION BY RANGE (YEAR(at))
    (PARTITION p2024 VALUES LESS THAN (2025), PARTITION pmax VALUES LESS THAN MAXVALUE);
CREATE VIEW open_orders AS SELECT o.id, c.email FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE o.status <> 'shipped';
CREATE FUNCTION tax(amount DECIMAL(12,2)) RETURNS DECIMAL(12,2) DETERMINISTIC NO SQL RETURN amount * 0.2;
CREATE PROCEDURE ship(IN order_id INT, OUT shipped INT) MODIFIES SQL DATA
BEGIN
    UPDATE orders SET status = 'shipped' WHERE id = order_id; -- ship it
    SET shipped = ROW_COUNT();
END;
CREATE TRIGGER orders_total BEFORE INSERT ON orders FOR EACH ROW SET NEW.total = COALESCE(NEW.total, 0);
CREATE EVENT purge_log ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM events_log WHERE at < '2020-01-01';
"""


@contextmanager
def second_server(tmp: Path, port: int, *options: str) -> Iterator[int]:
    """A throw-away mariadbd on `port` with its own data directory and `options` (e.g. --sql-mode=...),
    so that server-wide variables can differ from the main server's; shut down on exit."""
    data = tmp / "data"
    subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--user=root",
                    "--auth-root-authentication-method=normal", "--skip-test-db"],
                   check=True, capture_output=True, timeout=300)
    server = subprocess.Popen(
        ["mariadbd", "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={tmp / 'sock'}", f"--pid-file={tmp / 'pid'}", "--user=root", "--skip-log-bin",
         "--innodb-buffer-pool-size=16M", f"--log-error={tmp / 'error.log'}", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(240):
            ping = subprocess.run(["mariadb-admin", "-h", HOST, "-P", str(port), "-uroot", "ping"],
                                  capture_output=True, timeout=60)
            if ping.returncode == 0:
                break
            if server.poll() is not None:
                raise RuntimeError(f"mariadbd exited: {(tmp / 'error.log').read_text()[-2000:]}")
            time.sleep(0.5)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=120)
