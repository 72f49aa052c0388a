"""MySQL 8's catalog rows (built from documentation, see fixtures/mysql8/README.md) assemble into the
same tree as the live MariaDB's for one DDL: how the two catalogs show a schema is never drift."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from myfixtures import Databases, collect, databases, dsn

from probes.mysql import queries
from probes.mysql.schema import SchemaTree, Scope, index_definition

FIXTURES = Path(__file__).parent / "fixtures" / "mysql8"


@pytest.fixture
def my() -> Iterator[Databases]:
    with databases() as created:
        yield created


def mysql8_tree() -> dict[str, Any]:
    rows = json.loads((FIXTURES / "rows.json").read_text(encoding="utf-8"))
    tree = SchemaTree(Scope(dsn_database=rows["database"]), rows["flavour"], lambda body: body)
    tree.add_schemata(rows["schemata"])
    tree.add_tables(rows["tables"])
    tree.add_columns(rows["columns"])
    tree.add_indexes(rows["statistics"])
    tree.add_foreign_keys(rows["foreign_keys"])
    tree.add_checks(rows["checks"])
    tree.add_partitions(rows["partitions"])
    return tree.tree


def test_documented_mysql8_rows_give_the_tree_live_mariadb_gives(my: Databases) -> None:
    name = my.create((FIXTURES / "ddl.sql").read_text(encoding="utf-8"))
    live = collect(dsn(name)).data["schema"]["database"]
    built = mysql8_tree()["database"]
    assert built["tables"] == live["tables"]
    assert (built["charset"], built["collation"]) == (live["charset"], live["collation"])


def test_the_mysql8_queries_name_its_own_columns() -> None:
    mysql, mariadb = queries.FLAVOURED["mysql"], queries.FLAVOURED["mariadb"]
    assert "IS_VISIBLE" in mysql["statistics"]["invisible"]
    assert mysql["statistics"]["expression"] == "EXPRESSION"
    assert "t.ENFORCED" in queries.CHECKS["mysql"]  # MySQL's CHECK_CONSTRAINTS has no TABLE_NAME
    assert "TABLE_NAME AS `table`" in queries.CHECKS["mariadb"]
    assert "IGNORED" in mariadb["statistics"]["invisible"]
    assert "{" not in queries.STATISTICS.format(**mysql["statistics"])


def test_a_functional_key_part_is_spelled_as_an_expression() -> None:
    part = {"column": None, "expression": "lower(`email`)", "sub_part": None, "order": "A",
            "index_type": "BTREE", "non_unique": 1, "invisible": 1, "comment": ""}
    assert index_definition("by_lower", [part]) == "KEY ((lower(email))) USING BTREE INVISIBLE"
