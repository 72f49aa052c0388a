"""The mysql probe holds no metadata lock on a table once it has read its data: each table is read
after a savepoint that is then rolled back (as `mysqldump --single-transaction` does), so a
migration's ALTER TABLE during an audit does not wait behind the probe's open snapshot (and every
query on that table behind it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from shapefixtures import KEY, Databases, admin, databases, session, tables

from fidelity.probe.migrations import TOOL_NAMES
from fidelity.probe.shape.options import DataOptions
from fidelity.redact import SecretKeeper
from probes.mysql.collect import Catalog, Request
from probes.mysql.data.collect import DataShape
from probes.mysql.schema import Scope


@pytest.fixture
def dbs() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_tables_read_are_let_go_while_the_snapshot_stays_open(dbs: Databases) -> None:
    name = dbs.create("CREATE TABLE `odd <b>``t` (id INT PRIMARY KEY, note VARCHAR(20))",
                      "INSERT INTO `odd <b>``t` SELECT seq, CONCAT('n', seq) FROM seq_1_to_3000",
                      "CREATE TABLE plain (id BIGINT PRIMARY KEY, amount DECIMAL(12,2))",
                      "INSERT INTO plain SELECT seq, seq / 3 FROM seq_1_to_3000")
    s = session(name)
    try:
        tree, gaps = DataShape(s, DataOptions(sample_rows=500), SecretKeeper(KEY)).read(tables(name))
        assert gaps == []
        assert set(tree[name]) == {"odd <b>`t", "plain"}
        with admin(name) as conn, conn.cursor() as cur:  # a migration, which gives up after a second
            cur.execute("SET SESSION lock_wait_timeout = 1")
            cur.execute("ALTER TABLE `odd <b>``t` ADD COLUMN added_during_the_audit INT")
            cur.execute("ALTER TABLE plain ADD COLUMN added_during_the_audit INT")
        # the snapshot is still the one it began with: the probe's session does not see the columns
        rows = s.query("SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
                       "AND COLUMN_NAME = 'added_during_the_audit'", [name])
        assert rows[0]["n"] in (0, 2)  # information_schema is read live in MySQL 8, MariaDB alike
    finally:
        s.close()


def test_no_table_is_held_after_the_whole_catalog_is_read(dbs: Databases) -> None:
    """Schema, migrations and data read in the probe's one snapshot: every table can be altered
    before the snapshot ends."""
    name = dbs.create("CREATE TABLE orders (id INT PRIMARY KEY, qty INT CHECK (qty > 0), note TEXT)",
                      "INSERT INTO orders SELECT seq, seq, 'x' FROM seq_1_to_2000",
                      "CREATE VIEW big_orders AS SELECT id FROM orders WHERE qty > 10",
                      "CREATE TABLE django_migrations (id INT PRIMARY KEY, app VARCHAR(9), name VARCHAR(40), "
                      "applied DATETIME)",
                      "INSERT INTO django_migrations VALUES (1, 'shop', '0001_initial', NOW())")
    s = session(name)
    try:
        request = Request(Scope(dsn_database=name), migrations=TOOL_NAMES, data=DataOptions(sample_rows=500))
        catalog = Catalog(s, request, SecretKeeper(KEY))
        data = catalog.read()
        assert catalog.gaps == []
        assert "orders" in data["data"]["database"]  # the DSN's database, keyed `database`
        assert data["migrations"]["django"]["applied"]
        with admin(name) as conn, conn.cursor() as cur:
            cur.execute("SET SESSION lock_wait_timeout = 1")
            for table in ("orders", "django_migrations"):
                cur.execute(f"ALTER TABLE {table} ADD COLUMN added_during_the_audit INT")
    finally:
        s.close()
