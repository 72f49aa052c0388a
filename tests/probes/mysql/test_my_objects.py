"""Each object kind the mysql probe compares, drifted one at a time, against the real MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest
from myfixtures import APP_DDL, Databases, audit, collect, databases, drift, dsn

DB = "db/schema/database"


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


class Scenario(NamedTuple):
    reference: str
    candidate: str
    expected: dict[str, tuple[str, str]]


SCENARIOS = {
    "tables": Scenario(
        "CREATE TABLE gone (id INT); CREATE TABLE t (id INT) ENGINE=InnoDB COMMENT 'x';"
        "CREATE TABLE f (id INT) ROW_FORMAT=DYNAMIC; CREATE TABLE c (id INT) DEFAULT CHARSET=utf8mb4;",
        "CREATE TABLE added (id INT); CREATE TABLE t (id INT) ENGINE=Aria COMMENT 'y';"
        "CREATE TABLE f (id INT) ROW_FORMAT=COMPACT; CREATE TABLE c (id INT) DEFAULT CHARSET=latin1;",
        {f"{DB}/tables/gone": ("missing", "high"), f"{DB}/tables/added": ("extra", "medium"),
         f"{DB}/tables/t/engine": ("changed", "high"), f"{DB}/tables/t/comment": ("changed", "low"),
         f"{DB}/tables/t/row_format": ("changed", "medium"), f"{DB}/tables/t/options": ("changed", "medium"),
         f"{DB}/tables/f/row_format": ("changed", "medium"), f"{DB}/tables/f/options": ("changed", "medium"),
         f"{DB}/tables/c/charset": ("changed", "high"), f"{DB}/tables/c/collation": ("changed", "high")}),
    "columns": Scenario(
        "CREATE TABLE t (a INT, b TEXT, c INT NOT NULL DEFAULT 1, d INT, e VARCHAR(9) COLLATE utf8mb4_bin,"
        " g INT AS (a + 1) VIRTUAL, h INT, ts TIMESTAMP NULL, u INT UNSIGNED, m VARCHAR(3) COMMENT 'x');",
        "CREATE TABLE t (a BIGINT, c INT DEFAULT 2, d INT NOT NULL, e VARCHAR(9) COLLATE utf8mb4_unicode_ci,"
        " g INT AS (a + 2) VIRTUAL, h INT INVISIBLE, ts TIMESTAMP NULL ON UPDATE CURRENT_TIMESTAMP,"
        " u INT, m VARCHAR(3) COMMENT 'y', n TEXT);",
        {f"{DB}/tables/t/columns/a/type": ("changed", "high"),
         f"{DB}/tables/t/columns/b": ("missing", "high"),
         f"{DB}/tables/t/columns/n": ("extra", "medium"),
         f"{DB}/tables/t/columns/c/nullable": ("changed", "high"),
         f"{DB}/tables/t/columns/c/default": ("changed", "high"),
         f"{DB}/tables/t/columns/d/nullable": ("changed", "high"),
         f"{DB}/tables/t/columns/e/collation": ("changed", "high"),
         f"{DB}/tables/t/columns/g/generated": ("changed", "high"),
         f"{DB}/tables/t/columns/h/invisible": ("extra", "high"),
         f"{DB}/tables/t/columns/ts/on_update": ("extra", "high"),
         f"{DB}/tables/t/columns/u/type": ("changed", "high"),
         f"{DB}/tables/t/columns/m/comment": ("changed", "low"),
         f"{DB}/tables/t/column_order": ("changed", "info")}),
    "column order": Scenario(
        "CREATE TABLE t (a INT, b INT, c INT);", "CREATE TABLE t (a INT, c INT, b INT);",
        {f"{DB}/tables/t/column_order": ("changed", "low")}),
    "indexes": Scenario(
        "CREATE TABLE t (a INT, b VARCHAR(50), c INT, d INT, g POINT NOT NULL, UNIQUE KEY ua (a),"
        " KEY kb (b(10), c), KEY kc (c), KEY gone (d), FULLTEXT KEY ft (b), SPATIAL KEY sp (g), KEY vis (d))",
        "CREATE TABLE t (a INT, b VARCHAR(50), c INT, d INT, g POINT NOT NULL, KEY ua (a),"
        " KEY kb (b(20), c), KEY kc (c DESC), KEY added (a), SPATIAL KEY sp (g), KEY vis (d) IGNORED)",
        {f"{DB}/tables/t/indexes/ua": ("changed", "high"),
         f"{DB}/tables/t/indexes/kb": ("changed", "medium"),
         f"{DB}/tables/t/indexes/kc": ("changed", "medium"),
         f"{DB}/tables/t/indexes/gone": ("missing", "medium"),
         f"{DB}/tables/t/indexes/added": ("extra", "medium"),
         f"{DB}/tables/t/indexes/ft": ("missing", "medium"),
         f"{DB}/tables/t/indexes/vis": ("changed", "medium")}),
    "primary key": Scenario(
        "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a));",
        "CREATE TABLE t (a INT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b));",
        {f"{DB}/tables/t/indexes/PRIMARY": ("changed", "high")}),
    "foreign keys": Scenario(
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT, qid INT,"
        " CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE,"
        " CONSTRAINT gone FOREIGN KEY (qid) REFERENCES p (id));",
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT, qid INT,"
        " CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id) ON DELETE SET NULL, KEY gone (qid));",
        {f"{DB}/tables/c/foreign_keys/fk": ("changed", "high"),
         f"{DB}/tables/c/foreign_keys/gone": ("missing", "high")}),
    "checks": Scenario(
        "CREATE TABLE t (a INT, b INT CHECK (b > 0), CONSTRAINT ca CHECK (a > 0),"
        " CONSTRAINT cg CHECK (a < 9))",
        "CREATE TABLE t (a INT, b INT CHECK (b >= 0), CONSTRAINT ca CHECK (a > 1),"
        " CONSTRAINT cn CHECK (a <> 5))",
        {f"{DB}/tables/t/checks/b": ("changed", "high"), f"{DB}/tables/t/checks/ca": ("changed", "high"),
         f"{DB}/tables/t/checks/cg": ("missing", "high"), f"{DB}/tables/t/checks/cn": ("extra", "high")}),
    "partitions": Scenario(
        "CREATE TABLE t (id INT, at DATE) PARTITION BY RANGE (YEAR(at))"
        " (PARTITION p1 VALUES LESS THAN (2025), PARTITION p2 VALUES LESS THAN MAXVALUE);"
        "CREATE TABLE h (id INT) PARTITION BY HASH (id) PARTITIONS 2;",
        "CREATE TABLE t (id INT, at DATE) PARTITION BY RANGE (YEAR(at))"
        " (PARTITION p1 VALUES LESS THAN (2026), PARTITION p2 VALUES LESS THAN MAXVALUE);"
        "CREATE TABLE h (id INT);",
        {f"{DB}/tables/t/partitioning/partitions/p1": ("changed", "high"),
         f"{DB}/tables/h/partitioning": ("missing", "high")}),
    "views": Scenario(
        "CREATE TABLE t (a INT, b INT); CREATE VIEW v AS SELECT a FROM t WHERE b > 0;"
        "CREATE VIEW w AS SELECT a FROM t; CREATE VIEW s AS SELECT a FROM t;"
        "CREATE VIEW gone AS SELECT 1 AS x;",
        "CREATE TABLE t (a INT, b INT); CREATE VIEW v AS SELECT a FROM t WHERE b > 1;"
        "CREATE VIEW w AS SELECT a FROM t WITH CHECK OPTION;"
        "CREATE SQL SECURITY INVOKER VIEW s AS SELECT a FROM t;",
        {f"{DB}/views/v/definition": ("changed", "high"), f"{DB}/views/w/check_option": ("changed", "high"),
         f"{DB}/views/s/security": ("changed", "high"), f"{DB}/views/gone": ("missing", "high")}),
    "routines": Scenario(
        "CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC RETURN a + 1;"
        "CREATE FUNCTION g(a INT) RETURNS INT RETURN a; CREATE FUNCTION h(a INT) RETURNS INT RETURN a;"
        "CREATE PROCEDURE p(IN a INT) SELECT a; CREATE PROCEDURE gone() SELECT 1;",
        "CREATE FUNCTION f(a INT) RETURNS INT DETERMINISTIC RETURN a + 2;"
        "CREATE FUNCTION g(a BIGINT) RETURNS INT RETURN a;"
        "CREATE FUNCTION h(a INT) RETURNS INT DETERMINISTIC RETURN a;"
        "CREATE PROCEDURE p(IN a INT) SQL SECURITY INVOKER SELECT a;",
        {f"{DB}/functions/f/body_hash": ("changed", "high"),
         f"{DB}/functions/g/arguments": ("changed", "high"),
         f"{DB}/functions/h/deterministic": ("changed", "medium"),
         f"{DB}/procedures/p/security": ("changed", "high"), f"{DB}/procedures/gone": ("missing", "high")}),
    "triggers": Scenario(
        "CREATE TABLE t (a INT); CREATE TRIGGER tb BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;"
        "CREATE TRIGGER te BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 2;"
        "CREATE TRIGGER tt BEFORE UPDATE ON t FOR EACH ROW SET NEW.a = 3;",
        "CREATE TABLE t (a INT); CREATE TRIGGER tb BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 9;"
        "CREATE TRIGGER tt AFTER UPDATE ON t FOR EACH ROW SET @x = 3; CREATE TRIGGER tn BEFORE DELETE ON t"
        " FOR EACH ROW SET @y = 1;",
        {f"{DB}/triggers/tb/body_hash": ("changed", "high"), f"{DB}/triggers/te": ("missing", "high"),
         f"{DB}/triggers/tt/timing": ("changed", "high"), f"{DB}/triggers/tt/body_hash": ("changed", "high"),
         f"{DB}/triggers/tn": ("extra", "high")}),
    "routine data access": Scenario(
        "CREATE FUNCTION f(a INT) RETURNS INT READS SQL DATA RETURN a;"
        "CREATE PROCEDURE p() READS SQL DATA SELECT 1; CREATE PROCEDURE q() SELECT 1;",
        "CREATE FUNCTION f(a INT) RETURNS INT MODIFIES SQL DATA RETURN a;"
        "CREATE PROCEDURE p() MODIFIES SQL DATA SELECT 1; CREATE PROCEDURE q() DETERMINISTIC SELECT 1;",
        {f"{DB}/functions/f/data_access": ("changed", "medium"),
         f"{DB}/procedures/p/data_access": ("changed", "medium"),
         f"{DB}/procedures/q/deterministic": ("changed", "medium")}),
    "trigger order": Scenario(
        "CREATE TABLE t (a INT); CREATE TRIGGER one BEFORE INSERT ON t FOR EACH ROW SET NEW.a = NEW.a + 1;"
        "CREATE TRIGGER two BEFORE INSERT ON t FOR EACH ROW FOLLOWS one SET NEW.a = NEW.a * 2;",
        "CREATE TABLE t (a INT); CREATE TRIGGER one BEFORE INSERT ON t FOR EACH ROW SET NEW.a = NEW.a + 1;"
        "CREATE TRIGGER two BEFORE INSERT ON t FOR EACH ROW PRECEDES one SET NEW.a = NEW.a * 2;",
        {f"{DB}/triggers/one/order": ("changed", "high"), f"{DB}/triggers/two/order": ("changed", "high")}),
    "trigger event": Scenario(
        "CREATE TABLE t (a INT); CREATE TRIGGER tx BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1;",
        "CREATE TABLE t (a INT); CREATE TRIGGER tx BEFORE UPDATE ON t FOR EACH ROW SET NEW.a = 1;",
        {f"{DB}/triggers/tx/event": ("changed", "high")}),
    "constraints only in the candidate": Scenario(
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT, e VARCHAR(50), KEY kp (pid));",
        "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE c (pid INT, e VARCHAR(50), KEY kp (pid),"
        " UNIQUE KEY ue (e), CONSTRAINT fk FOREIGN KEY (pid) REFERENCES p (id));",
        {f"{DB}/tables/c/indexes/ue": ("extra", "high"),
         f"{DB}/tables/c/foreign_keys/fk": ("extra", "high")}),
    "events": Scenario(
        "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DISABLE DO SET @a = 1;"
        "CREATE EVENT gone ON SCHEDULE EVERY 1 HOUR DISABLE DO SET @a = 1;",
        "CREATE EVENT e ON SCHEDULE EVERY 2 DAY DISABLE DO SET @a = 2;",
        {f"{DB}/events/e/schedule": ("changed", "high"), f"{DB}/events/e/body_hash": ("changed", "high"),
         f"{DB}/events/gone": ("missing", "high")}),
    "database defaults": Scenario(
        "ALTER DATABASE DEFAULT CHARACTER SET latin1 COLLATE latin1_swedish_ci;",
        "ALTER DATABASE DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;",
        {f"{DB}/charset": ("changed", "high"), f"{DB}/collation": ("changed", "high")}),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_each_object_kind_drifted_alone_is_reported_at_its_path(my: Databases, name: str) -> None:
    scenario = SCENARIOS[name]
    reference = my.create(scenario.reference)
    candidate = my.create(scenario.candidate)
    assert drift(audit(dsn(reference), dsn(candidate))) == scenario.expected


def test_identical_databases_give_no_finding(my: Databases) -> None:
    reference, candidate = my.create(APP_DDL), my.create(APP_DDL)
    report = audit(dsn(reference), dsn(candidate))
    assert drift(report) == {}
    assert report.errors == ()


def test_the_app_schema_is_read_whole(my: Databases) -> None:
    data = collect(dsn(my.create(APP_DDL))).data
    schema = data["schema"]["database"]
    customers = schema["tables"]["customers"]
    assert set(schema["tables"]) == {"customers", "orders", "events_log"}
    assert customers["columns"]["doc"]["type"] == "json"  # MariaDB's longtext + json_valid check
    assert customers["columns"]["name"]["default"] == "'it''s'"
    assert customers["columns"]["created_at"]["on_update"] == "current_timestamp()"
    assert customers["columns"]["upper_email"]["generated"] == "upper(email) stored"
    assert customers["columns"]["secret_note"]["invisible"] is True
    assert customers["indexes"]["customers_name"] == "KEY (`name`(20), `created_at` DESC) USING BTREE"
    foreign_key = schema["tables"]["orders"]["foreign_keys"]["orders_customer"]
    assert foreign_key.endswith("ON DELETE CASCADE ON UPDATE RESTRICT")
    assert schema["tables"]["events_log"]["partitioning"]["expression"] == "year(at)"
    assert schema["procedures"]["ship"]["arguments"] == "IN `order_id` int, OUT `shipped` int"
    assert schema["triggers"]["orders_total"]["table"] == "orders"
    assert schema["events"]["purge_log"]["schedule"] == "EVERY 1 DAY"
    assert "definer" not in schema["views"]["open_orders"]  # only with privileges = true
    assert data["server"]["flavour"] == "mariadb"
    assert data["plugins"]["InnoDB"]["status"] == "ACTIVE"


HOSTILE = ["we`ird", "naïve ünïcödé ✓", "x" * 64, "<b>html</b>", "a/b~c", "sp ace"]


def test_hostile_identifiers_are_read_and_compared_by_name(my: Databases) -> None:
    def ddl(extra_column: bool) -> str:
        statements = []
        for name in HOSTILE:
            quoted = "`" + name.replace("`", "``") + "`"
            kind = "BIGINT" if extra_column and name == HOSTILE[0] else "INT"
            statements.append(f"CREATE TABLE {quoted} (id INT PRIMARY KEY, `c``ol ✓` {kind},"
                              f" KEY {quoted} (`c``ol ✓`))")
        return ";".join(statements)

    reference, candidate = my.create(ddl(False)), my.create(ddl(True))
    tables = collect(dsn(reference)).data["schema"]["database"]["tables"]
    assert set(tables) == set(HOSTILE)
    assert tables["we`ird"]["indexes"]["we`ird"] == "KEY (`c``ol ✓`) USING BTREE"
    assert drift(audit(dsn(reference), dsn(candidate))) == {
        f"{DB}/tables/we`ird/columns/c`ol ✓/type": ("changed", "high")}
    assert drift(audit(dsn(reference), dsn(reference))) == {}
    assert "a~1b~0c" in str(audit(dsn(reference), dsn(my.create(""))).comparisons[0].findings)


def test_exclude_tables_and_schemas_options(my: Databases) -> None:
    reference = my.create("CREATE TABLE keep (a INT); CREATE TABLE tmp_x (a INT);")
    candidate = my.create("CREATE TABLE keep (a INT);")
    assert drift(audit(dsn(reference), dsn(candidate), exclude_tables=["tmp_*"])) == {}
    other = my.create("CREATE TABLE other (a INT);")
    data = collect(dsn(), schemas=[reference, other]).data["schema"]
    assert set(data) == {reference, other}
    chosen = collect(dsn(), schemas=["fidelity_test_*"], exclude_schemas=[other]).data["schema"]
    assert reference in chosen
    assert other not in chosen
    assert "mysql" not in collect(dsn(), schemas=["*"]).data["schema"]  # system databases never read


def test_privileges_option_adds_definers(my: Databases) -> None:
    name = my.create("CREATE VIEW v AS SELECT 1 AS x; CREATE FUNCTION f() RETURNS INT RETURN 1;")
    schema = collect(dsn(name), privileges=True).data["schema"]["database"]
    assert schema["views"]["v"]["definer"].startswith("root@")
    assert schema["functions"]["f"]["definer"].startswith("root@")


def test_a_grant_in_one_database_only_is_reported_with_privileges_and_not_without(my: Databases) -> None:
    reference = my.create("CREATE TABLE t (a INT); CREATE TABLE u (a INT);")
    candidate = my.create("CREATE TABLE t (a INT); CREATE TABLE u (a INT);")
    user = my.user(f"GRANT SELECT ON {reference}.t TO {{user}}; GRANT SELECT ON {reference}.u TO {{user}};"
                   f"GRANT SELECT, INSERT ON {candidate}.u TO {{user}};"
                   f"GRANT SELECT ON {candidate}.* TO {{user}}")
    grantee = f"'{user}'@'%'"
    assert drift(audit(dsn(reference), dsn(candidate))) == {}
    found = drift(audit(dsn(reference), dsn(candidate), privileges=True))
    assert found == {f"{DB}/tables/t/privileges/{grantee}": ("missing", "medium"),
                     f"{DB}/tables/u/privileges/{grantee}": ("changed", "medium"),
                     f"{DB}/privileges/{grantee}": ("extra", "medium")}
