"""No false drift: one DDL twice, one state reached in another order, hostile names, a bare role."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pgfixtures import APP_DDL, Databases, audit, collect, databases, drift, dsn
from psycopg import sql

PUBLIC = "db/schema/public"


@pytest.fixture
def pg() -> Iterator[Databases]:
    with databases() as created:
        yield created


def test_same_ddl_gives_no_findings(pg: Databases) -> None:
    report = audit(pg.create(APP_DDL), pg.create(APP_DDL))
    assert report.errors == ()
    assert drift(report) == {}
    (comparison,) = report.comparisons
    assert comparison.compared > 300
    assert comparison.fidelity == 1.0


IN_ORDER = """
CREATE TABLE t (a int, b int, c int);
CREATE INDEX ON t (a) WHERE b > 0;
CREATE INDEX ON t (a);
ALTER TABLE t ADD CHECK (c > 0);
ALTER TABLE t ADD CHECK (c < 9);
CREATE TABLE u (x int, y int);
CREATE TABLE w (p int, q int);
"""
OTHER_ORDER = """
CREATE TABLE w (p int, gone int, q int);
ALTER TABLE w DROP COLUMN gone;
CREATE TABLE u (y int);
ALTER TABLE u ADD COLUMN x int;
CREATE TABLE t (a int, c int);
ALTER TABLE t ADD COLUMN b int;
CREATE INDEX ON t (a);
CREATE INDEX ON t (a) WHERE b > 0;
ALTER TABLE t ADD CHECK (c < 9);
ALTER TABLE t ADD CHECK (c > 0);
"""


def test_same_state_in_another_order_differs_only_by_column_order_and_generated_names(pg: Databases) -> None:
    report = audit(pg.create(IN_ORDER), pg.create(OTHER_ORDER))
    assert drift(report) == {
        f"{PUBLIC}/tables/t/column_order": ("changed", "low"),
        f"{PUBLIC}/tables/u/column_order": ("changed", "low"),
        f"{PUBLIC}/tables/t/indexes/t_a_idx": ("changed", "info"),
        f"{PUBLIC}/tables/t/indexes/t_a_idx1": ("changed", "info"),
        f"{PUBLIC}/tables/t/constraints/t_c_check": ("changed", "info"),
        f"{PUBLIC}/tables/t/constraints/t_c_check1": ("changed", "info"),
    }


HOSTILE = ['we"ird', "sp ace", "sl/ash", "til~de", "ünïcødé", "<b>bold</b>", "select",
           "x" * 63, "é" * 31 + "x"]  # the last two are 63 bytes, the longest name PostgreSQL keeps
SCHEMA = 'app/"~ü'


def _hostile_ddl(changed_type: str = "int") -> str:
    schema = sql.Identifier(SCHEMA)
    parts = [sql.SQL("CREATE SCHEMA {}").format(schema),
             sql.SQL("CREATE TYPE {}.{} AS ENUM ({})").format(
                 schema, sql.Identifier("mood <i>"), sql.SQL(", ").join(map(sql.Literal, HOSTILE)))]
    for index, name in enumerate(HOSTILE):
        table, column = sql.Identifier(SCHEMA, name), sql.Identifier(name)
        kind = sql.SQL(changed_type if index == 0 else "int")
        parts += [
            sql.SQL("CREATE TABLE {} ({} {} CONSTRAINT {} CHECK ({} > 0))").format(
                table, column, kind, column, column),
            sql.SQL("CREATE INDEX ON {} ({})").format(table, column),
            sql.SQL("CREATE FUNCTION {}.{}({} int) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$").format(
                schema, sql.Identifier(f"f{index}"), column),
        ]
    return sql.SQL(";\n").join(parts).as_string(None)


def _escaped(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def test_hostile_identifiers_round_trip_and_escape(pg: Databases) -> None:
    reference = pg.create(_hostile_ddl())
    assert drift(audit(reference, pg.create(_hostile_ddl()))) == {}
    data = collect(reference).data
    tables = data["schema"][SCHEMA]["tables"]
    assert sorted(tables) == sorted(HOSTILE)
    for name in HOSTILE:
        assert list(tables[name]["columns"]) == [name]
        (check,) = tables[name]["constraints"].items()
        assert check[0] == name
        assert check[1].startswith("CHECK ((")
        assert check[1].endswith(" > 0))")
        ((index, definition),) = tables[name]["indexes"].items()
        assert definition.startswith("CREATE INDEX ON ")  # the generated name is not in the definition
        assert index not in definition
    assert data["schema"][SCHEMA]["enums"]["mood <i>"]["labels"] == HOSTILE

    found = drift(audit(reference, pg.create(_hostile_ddl(changed_type="bigint"))))
    assert found == {
        f"db/schema/{_escaped(SCHEMA)}/tables/{_escaped(HOSTILE[0])}/columns/{_escaped(HOSTILE[0])}/type":
            ("changed", "high")}


def test_role_without_table_privileges_sees_the_same_schema(pg: Databases) -> None:
    owner_dsn = pg.create(APP_DDL)
    bare = pg.role()
    bare_dsn = dsn(owner_dsn.rpartition("dbname=")[2], user=bare)
    as_owner, as_bare = collect(owner_dsn), collect(bare_dsn)
    assert json.dumps(as_bare.data["schema"], sort_keys=True) == \
        json.dumps(as_owner.data["schema"], sort_keys=True)
    assert as_bare.data["extensions"] == as_owner.data["extensions"]
    assert as_owner.data["migrations"] == {"django": {"applied": {"shop.0001_initial": None,
                                                                  "shop.0002_orders": None}}}
    # The bare role may not read the migration table: a gap, not a crash and not a false "missing".
    (gap,) = as_bare.gaps
    assert (gap.object, gap.segments) == ("public.django_migrations", ("migrations", "django"))
    assert "permission denied" in gap.message
    assert "grant SELECT" in gap.message
