"""Read the migration tools' history tables of a PostgreSQL database with the SDK's shared readers.

Which tools there are, how their rows are summarised and how differences are judged is
`fidelity.probe.migrations`; this module only finds the tables and selects their columns.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

from fidelity.probe import Gap
from fidelity.probe.migrations import TABLE_NAMES, TOOL_NAMES, identify, key, selected, summarise
from probes.postgres.session import QueryFailed, Session

__all__ = ["TOOL_NAMES", "read"]

DENIED = "grant SELECT on it to the probe role, or leave the tool out with `migrations`"


def read(session: Session, wanted: tuple[str, ...]) -> tuple[dict[str, Any], set[int], list[Gap]]:
    """`{tool: data}` for every history table of a wanted tool, the tables' oids (left out of the schema),
    and what could not be read."""
    gaps: list[Gap] = []
    try:
        rows = session.named("migration_tables", {"names": list(TABLE_NAMES)})
    except QueryFailed as exc:
        return {}, set(), [Gap("migration_tables", f"cannot read migration_tables: {exc}", ("migrations",))]
    found = [(row, tool) for row in rows if (tool := identify(row["name"], row["columns"], wanted))]
    tools = [tool for _, tool in found]
    data: dict[str, Any] = {}
    for row, tool in found:
        name = key(tool, row["schema"], tools)
        table = f"{row['schema']}.{row['name']}"
        query = sql.SQL("SELECT {} FROM {}").format(
            sql.SQL(", ").join(sql.Identifier(c) for c in selected(tool, row["columns"])),
            sql.Identifier(row["schema"], row["name"]))
        try:
            data[name] = summarise(tool, session.fetch(query, {}, f"migration table {table}"))
        except QueryFailed as exc:
            gaps.append(Gap(table, f"cannot read the {tool.name} migration table {table}: {exc}; {DENIED}",
                            ("migrations", name)))
    return data, {row["oid"] for row, _ in found}, gaps
