"""Rows of the catalog queries, assembled into the `schema` part of a snapshot.

A pure function of the rows (and the flavour that produced them), so that rows recorded
from another server (tests/probes/mysql/fixtures/mysql8) assemble exactly as live ones do.
Objects are keyed by name; a database by its slot (`Scope.slot`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fidelity.probe import matches_any
from probes.mysql import normalise
from probes.mysql.session import quote

Row = dict[str, Any]
Node = dict[str, Any]

#: Never read: the server's own databases.
SYSTEM_SCHEMAS = ("information_schema", "performance_schema", "mysql", "sys")
#: Object groups below `schema/<database>/`.
GROUPS = ("tables", "views", "functions", "procedures", "triggers", "events")
#: Per-table parts.
PARTS = ("columns", "indexes", "foreign_keys", "checks")


@dataclass(frozen=True)
class Scope:
    """Which databases and tables to read, how to key the databases, and whether to read definers."""

    schemas: tuple[str, ...] = ()
    """Globs of database names; empty: the DSN's database (or every one when it names none)."""
    exclude_schemas: tuple[str, ...] = ()
    """Globs of database names to leave out."""
    exclude_tables: tuple[str, ...] = ()
    """Globs matched against `table` and `database.table`."""
    privileges: bool = False
    """Record definers and grants."""
    dsn_database: str | None = None
    """The DSN's database: with `schemas` empty it is the one read, keyed `database`."""
    skip_tables: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    """Tables reported elsewhere (migration tables): left out of the schema."""

    def includes_schema(self, name: str) -> bool:
        """True when database `name` is read."""
        if name in SYSTEM_SCHEMAS or matches_any(name, self.exclude_schemas):
            return False
        if self.schemas:
            return matches_any(name, self.schemas)
        return self.dsn_database is None or name == self.dsn_database

    def slot(self, name: str) -> str:
        """The path segment of a database: `database` for the DSN's own one read alone, else its name."""
        return "database" if not self.schemas and name == self.dsn_database else name

    def excludes_table(self, schema: str, name: str) -> bool:
        """True when table `name` in `schema` is left out."""
        return ((schema, name) in self.skip_tables or matches_any(name, self.exclude_tables)
                or matches_any(f"{schema}.{name}", self.exclude_tables))


class SchemaTree:
    """Builds `{slot: {charset, collation, tables, views, ...}}` one object class at a time."""

    def __init__(self, scope: Scope, flavour: str, fingerprint: Callable[[str], str]) -> None:
        self.scope = scope
        self.flavour = flavour
        self.fingerprint = fingerprint
        """Keyed hash of a normalised body."""
        self.tree: dict[str, Node] = {}
        self.slots: dict[str, str] = {}
        """Database name -> its key in the tree."""

    def add_schemata(self, rows: Iterable[Row]) -> list[str]:
        """The databases in scope; returns their names."""
        for row in rows:
            if self.scope.includes_schema(row["name"]):
                slot = self.scope.slot(row["name"])
                self.slots[row["name"]] = slot
                self.tree[slot] = {"charset": normalise.charset(row["charset"]),
                                   "collation": normalise.charset(row["collation"]),
                                   **{group: {} for group in GROUPS}}
        return list(self.slots)

    def _group(self, row: Row, group: str) -> Node | None:
        slot = self.slots.get(row["schema"])
        return self.tree[slot][group] if slot is not None else None

    def table(self, schema: str, name: str) -> Node | None:
        """The node of a table that is read, or None."""
        slot = self.slots.get(schema)
        return self.tree[slot]["tables"].get(name) if slot is not None else None

    def add_tables(self, rows: Iterable[Row]) -> None:
        """Tables: engine, row format, charset and collation, options, comment."""
        for row in rows:
            tables = self._group(row, "tables")
            if tables is None or self.scope.excludes_table(row["schema"], row["name"]):
                continue
            collation = normalise.charset(row["collation"])
            charset = collation.split("_")[0] if collation else None
            node: Node = {"kind": row["kind"].lower(), "engine": row["engine"],
                          "row_format": row["row_format"], "charset": charset,
                          "collation": collation, "options": _options(row["options"]), "column_order": []}
            if row["comment"]:
                node["comment"] = row["comment"]
            node.update({part: {} for part in PARTS})
            tables[row["name"]] = node

    def add_columns(self, rows: Iterable[Row]) -> None:
        """Columns, and each table's column order."""
        for row in rows:
            table = self.table(row["schema"], row["table"])
            if table is None:
                continue
            extra = row["extra"] or ""
            column: Node = {"type": normalise.column_type(row["type"]), "nullable": row["nullable"] == "YES"}
            optional = {
                "default": normalise.default(row["default"], extra, row["data_type"], self.flavour),
                "on_update": normalise.on_update(extra),
                "auto_increment": True if "auto_increment" in extra.lower() else None,
                "invisible": True if "INVISIBLE" in extra.upper() else None,
                "comment": row["comment"] or None,
            }
            if row["generated"]:
                kind = "stored" if "STORED" in extra.upper() or "PERSISTENT" in extra.upper() else "virtual"
                optional["generated"] = f"{normalise.expression(row['generated'])} {kind}"
                optional["default"] = None
            collation = normalise.charset(row["collation"])
            if collation and collation != table["collation"]:  # a table's default is recorded on it
                optional["collation"] = collation
                optional["charset"] = normalise.charset(row["charset"])
            column.update((key, value) for key, value in optional.items() if value is not None)
            table["column_order"].append(row["name"])
            table["columns"][row["name"]] = column

    def add_indexes(self, rows: Iterable[Row]) -> None:
        """Indexes by definition (one row per key part), without their own name."""
        for (schema, name, index), parts in _per_object(rows).items():
            table = self.table(schema, name)
            if table is not None:
                table["indexes"][index] = index_definition(index, parts)

    def add_foreign_keys(self, rows: Iterable[Row]) -> None:
        """Foreign keys with their actions (one row per column)."""
        for (schema, name, key), parts in _per_object(rows).items():
            table = self.table(schema, name)
            if table is None:
                continue
            first = parts[0]
            target = quote(first["ref_table"]) if first["ref_schema"] == schema else \
                f"{quote(first['ref_schema'])}.{quote(first['ref_table'])}"
            table["foreign_keys"][key] = (
                f"FOREIGN KEY ({', '.join(quote(p['column']) for p in parts)}) REFERENCES {target} "
                f"({', '.join(quote(p['ref_column']) for p in parts)}) "
                f"ON DELETE {first['on_delete']} ON UPDATE {first['on_update']}")

    def add_checks(self, rows: Iterable[Row]) -> None:
        """Check constraints; MariaDB's `json_valid(col)` check on a JSON column makes it type `json`."""
        for row in rows:
            table = self.table(row["schema"], row["table"])
            if table is None:
                continue
            clause = normalise.expression(row["clause"]) or ""
            column = table["columns"].get(row["name"])
            if column is not None and clause == f"json_valid({_bare(row['name'])})" \
                    and column["type"] == "longtext":
                column["type"] = "json"  # MySQL's JSON has no character set or collation
                column.pop("collation", None)
                column.pop("charset", None)
                continue
            enforced = str(row["enforced"]).upper() != "NO"
            table["checks"][row["name"]] = clause if enforced else f"{clause} NOT ENFORCED"

    def add_partitions(self, rows: Iterable[Row]) -> None:
        """Partitioning: method and expression, and each partition's bound."""
        for row in rows:
            table = self.table(row["schema"], row["table"])
            if table is None:
                continue
            spec = table.setdefault("partitioning", {
                "method": row["method"], "expression": normalise.expression(row["expression"]),
                "partitions": {}})
            if row["submethod"]:
                spec["subpartitioning"] = f"{row['submethod']} ({normalise.expression(row['subexpression'])})"
            spec["partitions"][row["name"]] = normalise.expression(row["bound"])

    def add_triggers(self, rows: Iterable[Row]) -> None:
        """Triggers (named per database): table, timing, event, order, sql_mode and a hash of the body."""
        for row in rows:
            triggers = self._group(row, "triggers")
            if triggers is None or self.table(row["schema"], row["table"]) is None:
                continue
            node: Node = {"table": row["table"], "timing": row["timing"], "event": row["event"],
                          "order": row["action_order"],
                          "sql_mode": _modes(row["sql_mode"]), "body_hash": self._hash(row["body"])}
            self._definer(node, row)
            triggers[row["name"]] = node

    def add_views(self, rows: Iterable[Row]) -> None:
        """Views: normalised definition, SQL SECURITY, check option."""
        for row in rows:
            views = self._group(row, "views")
            if views is None or self.scope.excludes_table(row["schema"], row["name"]):
                continue
            node: Node = {"definition": normalise.view_definition(row["definition"] or "", row["schema"]),
                          "security": row["security"], "check_option": row["check_option"]}
            self._definer(node, row)
            views[row["name"]] = node

    def add_routines(self, rows: Iterable[Row], parameters: Iterable[Row]) -> None:
        """Functions and procedures: signature, determinism, data access, security, body hash."""
        signature: dict[tuple[str, str, str], list[str]] = {}
        for p in parameters:
            mode = f"{p['mode']} " if p["kind"] == "PROCEDURE" and p["mode"] else ""
            signature.setdefault((p["schema"], p["kind"], p["routine"]), []).append(
                f"{mode}{quote(p['name'] or '')} {normalise.column_type(p['type'] or '')}")
        for row in rows:
            group = "functions" if row["kind"] == "FUNCTION" else "procedures"
            routines = self._group(row, group)
            if routines is None:
                continue
            node: Node = {
                "arguments": ", ".join(signature.get((row["schema"], row["kind"], row["name"]), [])),
                "deterministic": row["deterministic"] == "YES", "data_access": row["data_access"],
                "security": row["security"], "sql_mode": _modes(row["sql_mode"]),
                "body_hash": self._hash(row["body"])}
            if row["kind"] == "FUNCTION":
                node["returns"] = normalise.column_type(row["returns"] or "")
            if row["comment"]:
                node["comment"] = row["comment"]
            self._definer(node, row)
            routines[row["name"]] = node

    def add_events(self, rows: Iterable[Row]) -> None:
        """Events: schedule (never its start, which is the creation time by default), status, body hash."""
        for row in rows:
            events = self._group(row, "events")
            if events is None:
                continue
            schedule = (f"EVERY {row['interval_value']} {row['interval_field']}" if row["type"] == "RECURRING"
                        else f"AT {row['execute_at']}")
            node: Node = {"schedule": schedule, "status": row["status"],
                          "on_completion": row["on_completion"], "sql_mode": _modes(row["sql_mode"]),
                          "time_zone": row["time_zone"], "body_hash": self._hash(row["body"])}
            if row["ends"] is not None:
                node["ends"] = str(row["ends"])
            if row["comment"]:
                node["comment"] = row["comment"]
            self._definer(node, row)
            events[row["name"]] = node

    def add_privileges(self, schema_rows: Iterable[Row], table_rows: Iterable[Row]) -> None:
        """Grants on databases and tables (with `privileges`): grantee -> sorted privilege list.
        Every database and table gets a `privileges` node, empty without grants, so that a grant
        on one side only is a finding at `privileges/<grantee>`, naming the grantee."""
        for schema in self.tree.values():
            schema["privileges"] = {}
            for table in schema["tables"].values():
                table["privileges"] = {}
        for row in schema_rows:
            slot = self.slots.get(row["schema"])
            if slot is not None:
                _grant(self.tree[slot]["privileges"], row)
        for row in table_rows:
            table = self.table(row["schema"], row["table"])
            if table is not None:
                _grant(table["privileges"], row)

    def _definer(self, node: Node, row: Row) -> None:
        if self.scope.privileges:
            node["definer"] = row["definer"]

    def _hash(self, body: str | None) -> str | None:
        return None if body is None else self.fingerprint(normalise.strip_sql(body))

    def column_list(self) -> list[tuple[str, str, list[Row]]]:
        """(database, table, columns) of every table read: what the data-shape part samples."""
        names = {slot: name for name, slot in self.slots.items()}
        return [(names[slot], table, [{"name": c, **node["columns"][c]} for c in node["column_order"]])
                for slot, schema in self.tree.items() for table, node in schema["tables"].items()]


def _per_object(rows: Iterable[Row]) -> dict[tuple[str, str, str], list[Row]]:
    """Rows grouped by (database, table, object name), in order."""
    grouped: dict[tuple[str, str, str], list[Row]] = {}
    for row in rows:
        grouped.setdefault((row["schema"], row["table"], row["name"]), []).append(row)
    return grouped


def _grant(into: Node, row: Row) -> None:
    privileges = set(filter(None, str(into.get(row["grantee"], "")).split(", ")))
    privileges.add(row["privilege"])
    into[row["grantee"]] = ", ".join(sorted(privileges))


def _bare(name: str) -> str:
    return name if normalise.expression(quote(name)) == name else quote(name)


def _modes(value: str | None) -> str:
    return ",".join(normalise.sql_modes(value))


def _options(text: str | None) -> list[str]:
    """CREATE_OPTIONS as a sorted list, without what other keys say (partitioned)."""
    return sorted(o for o in (text or "").split() if o.lower() != "partitioned")


def index_definition(name: str, parts: Sequence[Mapping[str, Any]]) -> str:
    """E.g. `UNIQUE KEY (email(20), created_at DESC) USING BTREE INVISIBLE`, without the index's name."""
    first = parts[0]
    kind = first["index_type"].upper()
    unique = not int(first["non_unique"])
    head = ("PRIMARY KEY" if name == "PRIMARY" else "FULLTEXT KEY" if kind == "FULLTEXT"
            else "SPATIAL KEY" if kind == "SPATIAL" else "UNIQUE KEY" if unique else "KEY")
    keys = []
    for part in parts:
        key = quote(part["column"]) if part["column"] is not None \
            else f"({normalise.expression(part['expression'])})"
        if part["sub_part"] is not None:
            key += f"({part['sub_part']})"
        if part["order"] == "D":
            key += " DESC"
        keys.append(key)
    text = f"{head} ({', '.join(keys)})"
    if kind in ("BTREE", "HASH", "RTREE") and head not in ("SPATIAL KEY",):
        text += f" USING {kind}"
    if first["invisible"] in (1, "1", True):
        text += " INVISIBLE"
    if first["comment"]:
        text += f" COMMENT {first['comment']!r}"
    return text
