"""Read the migration tools' history tables of a MySQL or MariaDB server with the SDK's shared readers.

Which tools there are, how their rows are summarised and how differences are judged is
`fidelity.probe.migrations`, as for postgres; this module only finds the tables (in the
databases in scope, names matched without case) and selects their columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fidelity.probe import Gap
from fidelity.probe.migrations import TABLE_NAMES, identify, key, selected, summarise
from probes.mysql.session import QueryFailed, Session, quote

#: Base tables whose lower-case name is a history table's, in the databases in scope; one row per column.
TABLES_SQL = """SELECT c.TABLE_SCHEMA AS `schema`, c.TABLE_NAME AS name, c.COLUMN_NAME AS `column`
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE t.TABLE_TYPE = 'BASE TABLE' AND c.TABLE_SCHEMA IN ({schemas}) AND LOWER(c.TABLE_NAME) IN ({names})
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"""
DENIED = "grant SELECT on it to the probe user, or leave the tool out with `migrations`"


def collect(session: Session, schemas: Sequence[str],
            wanted: Sequence[str]) -> tuple[dict[str, Any], list[Gap]]:
    """`{tool: data}` for every history table of a wanted tool in `schemas`, and what could not be read
    (`read` also names the tables found, which the schema leaves out)."""
    data, _, gaps = read(session, schemas, wanted)
    return data, gaps


def read(session: Session, schemas: Sequence[str],
         wanted: Sequence[str]) -> tuple[dict[str, Any], set[tuple[str, str]], list[Gap]]:
    """`{tool: data}`, the `(schema, table)` of every history table found, and what could not be read."""
    if not schemas or not wanted:
        return {}, set(), []
    query = TABLES_SQL.format(schemas=", ".join(["%s"] * len(schemas)),
                              names=", ".join(["%s"] * len(TABLE_NAMES)))
    try:
        rows = session.query(query, [*schemas, *TABLE_NAMES])
    except QueryFailed as exc:
        return {}, set(), [Gap("migration tables", f"cannot list the migration tables: {exc}",
                               ("migrations",))]
    tables: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        tables.setdefault((row["schema"], row["name"]), []).append(row["column"])
    found = [(where, columns, tool) for where, columns in tables.items()
             if (tool := identify(where[1], columns, wanted))]
    tools = [tool for _, _, tool in found]
    data: dict[str, Any] = {}
    gaps: list[Gap] = []
    for (schema, table), columns, tool in found:
        name = key(tool, schema, tools)
        select = ", ".join(quote(c) for c in selected(tool, columns))
        try:
            rows = session.query(f"SELECT {select} FROM {quote(schema)}.{quote(table)}")
            data[name] = summarise(tool, rows)
        except QueryFailed as exc:
            gaps.append(Gap(f"{schema}.{table}", f"cannot read the {tool.name} migration table "
                            f"{schema}.{table}: {exc}; {DENIED}", ("migrations", name)))
    return data, {where for where, _, _ in found}, gaps
