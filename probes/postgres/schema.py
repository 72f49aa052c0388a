"""Rows of the catalog queries, assembled into the `schema` part of a snapshot.

Objects are keyed by name (functions by `name(argument types)`), so that paths never
hold an oid or anything else that differs between two databases built from one DDL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.probe import Gap, matches_any
from probes.postgres import indexes
from probes.postgres.normalise import body_hash, parse_acl, view_definition, without_name
from probes.postgres.rows import Row

Node = dict[str, Any]

TABLE_KINDS = {"r": "table", "p": "partitioned table", "f": "foreign table"}
VIEW_KINDS = {"v": "view", "m": "materialized view"}
PERSISTENCE = {"p": "permanent", "u": "unlogged", "t": "temporary"}
FUNCTION_KINDS = {"f": "function", "p": "procedure", "a": "aggregate", "w": "window function"}
VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
PARALLEL = {"s": "safe", "r": "restricted", "u": "unsafe"}
POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
#: Column attributes recorded only when set: (key in the snapshot, column of columns.sql).
OPTIONAL_COLUMN_FIELDS = (("default", "column_default"), ("identity", "identity"), ("generated", "generated"),
                          ("collation", "collation"), ("origin", "origin"), ("comment", "comment"))
#: Object groups below `schema/<name>/`.
GROUPS = ("tables", "views", "functions", "sequences", "enums", "domains", "types", "collations")
COLLATION_PROVIDERS = {"c": "libc", "i": "icu", "d": "default"}
VANISHED = "changed or dropped while the snapshot was taken; run the audit again"


@dataclass(frozen=True)
class Scope:
    """Which schemas and tables to read, and whether to read owners and privileges."""

    schemas: tuple[str, ...] = ("*",)
    """Globs of schema names to read."""
    exclude_schemas: tuple[str, ...] = ()
    """Globs of schema names to leave out."""
    exclude_tables: tuple[str, ...] = ()
    """Globs matched against `table` and `schema.table`."""
    privileges: bool = False
    """Record owners and grants."""

    def includes_schema(self, name: str) -> bool:
        """True when schema `name` is read."""
        return matches_any(name, self.schemas) and not matches_any(name, self.exclude_schemas)

    def excludes_table(self, schema: str, name: str) -> bool:
        """True when table `name` in `schema` is left out."""
        return matches_any(name, self.exclude_tables) or matches_any(f"{schema}.{name}", self.exclude_tables)


#: `pg_trigger.tgenabled` other than "O" (fires in origin and local sessions, the default), as the
#: trigger's recorded definition ends: a trigger that stopped firing changes what a write does.
TRIGGER_FIRING = {"D": " [DISABLED]", "R": " [ENABLE REPLICA: fires only on a replica]",
                  "A": " [ENABLE ALWAYS]"}
#: View options that change what reading or writing through a view does (`pg_class.reloptions`).
VIEW_OPTIONS = ("check_option", "security_barrier", "security_invoker")


class SchemaTree:
    """Builds `{schema: {group: {name: node}}}` from query rows, one object class at a time."""

    def __init__(self, scope: Scope, fingerprint: Callable[[str], str]) -> None:
        """`fingerprint`: the keyed fingerprint function of function bodies (`normalise.body_hash`)."""
        self.scope = scope
        self.fingerprint = fingerprint
        self.tree: dict[str, Node] = {}
        self.objects: dict[int, tuple[tuple[str, ...], Node]] = {}
        self.skipped: set[int] = set()
        """Tables left out (excluded, or migration tables): their parts are skipped too."""
        self.gaps: list[Gap] = []

    def add_schemas(self, rows: Iterable[Row]) -> list[str]:
        """Record the schemas in scope; returns their names."""
        for row in rows:
            if self.scope.includes_schema(row["name"]):
                node: Node = {group: {} for group in GROUPS}
                self.tree[row["name"]] = self._common(node, row)
        return list(self.tree)

    def _common(self, node: Node, row: Row) -> Node:
        if row.get("comment") is not None:
            node["comment"] = row["comment"]
        if self.scope.privileges and "acl" in row:
            node["owner"] = row["owner"]
            node["privileges"] = parse_acl(row["acl"] or ())
        return node

    def _add(self, row: Row, group: str, key: str, node: Node) -> None:
        schema = self.tree.get(row["schema"])
        if schema is None:
            return
        schema[group][key] = self._common(node, row)
        self.objects[row["oid"]] = (("schema", row["schema"], group, key), node)

    def add_tables(self, rows: Iterable[Row], skip: set[int]) -> None:
        """Tables, with empty parts that the per-table queries fill in."""
        for row in rows:
            if row["oid"] in skip or self.scope.excludes_table(row["schema"], row["name"]):
                self.skipped.add(row["oid"])
                continue
            node: Node = {"kind": TABLE_KINDS[row["kind"]], "persistence": PERSISTENCE[row["persistence"]],
                          "row_security": ("forced" if row["rls_forced"] else "enabled")
                          if row["rls_enabled"] else "disabled"}
            for key in ("partition_key", "partition_of", "partition_bound"):
                if row[key] is not None:
                    node[key] = row[key]
            if row.get("inherits"):
                node["inherits"] = list(row["inherits"])
            node.update(column_order=[], columns={}, constraints={}, indexes={}, triggers={}, policies={})
            self._add(row, "tables", row["name"], node)

    def add_columns(self, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Columns, and each table's column order, from rows of `columns.sql` as tuples whose fields
        `names` names: a large schema has tens of thousands, too many to make a dict of each first."""
        if not names:
            return
        at = {name: index for index, name in enumerate(names)}
        oid_at, name_at, type_at, nullable_at = at["table_oid"], at["name"], at["type"], at["nullable"]
        optional = [(key, at[field]) for key, field in OPTIONAL_COLUMN_FIELDS]
        objects = self.objects
        owner: object = None
        table: Node | None = None
        for row in rows:
            if row[oid_at] != owner:  # rows come table by table: one look-up per table
                owner = row[oid_at]
                entry = objects.get(row[oid_at])
                table = entry[1] if entry is not None else None
            if table is None:
                continue
            column = {"type": row[type_at], "nullable": row[nullable_at]}
            for key, index in optional:  # absent rather than null: most columns have none
                if row[index] is not None:
                    column[key] = row[index]
            table["column_order"].append(row[name_at])
            table["columns"][row[name_at]] = column

    def add_constraints(self, rows: Iterable[Row]) -> None:
        """Constraints by definition."""
        self._add_parts(rows, "constraints", lambda row: row["definition"])

    def add_indexes(self, rows: Iterable[Row]) -> None:
        """Indexes by definition, without their own name (one row per indexed column)."""
        self._add_parts(indexes.grouped(rows), "indexes", lambda index: indexes.definition(index["keys"]))

    def add_triggers(self, rows: Iterable[Row]) -> None:
        """Triggers by definition, without their own name; one that does not fire as usual (disabled,
        or firing only on replicas, or always) says so after its definition."""
        self._add_parts(rows, "triggers", lambda row: row["definition"] and without_name(
            without_name(row["definition"], "CREATE TRIGGER ", row["quoted_name"]),
            "CREATE CONSTRAINT TRIGGER ", row["quoted_name"]) + TRIGGER_FIRING.get(row["enabled"] or "O", ""))

    def add_policies(self, rows: Iterable[Row]) -> None:
        """Row-level security policies."""
        self._add_parts(rows, "policies", lambda row: {
            "command": POLICY_COMMANDS[row["command"]],
            "type": "permissive" if row["permissive"] else "restrictive",
            "roles": row["roles"], "using": row["using_expr"], "with_check": row["check_expr"]})

    def _add_parts(self, rows: Iterable[Row], part: str, value: Any) -> None:
        for row in rows:
            table = self._owner(row)
            if table is None or part not in table:
                continue
            found = value(row)
            if found is None:
                self.fail(row["table_oid"], f"{part[:-1]} {row['name']}: {VANISHED}")
                continue
            table[part][row["name"]] = found

    def _owner(self, row: Row) -> Node | None:
        entry = self.objects.get(row["table_oid"])
        return entry[1] if entry is not None else None

    def add_views(self, rows: Iterable[Row]) -> None:
        """Views and materialized views by normalised definition."""
        for row in rows:
            if row["definition"] is None:
                self.gaps.append(Gap(f"{row['schema']}.{row['name']}", f"view {VANISHED}",
                                     ("schema", row["schema"], "views", row["name"])))
                continue
            node: Node = {"kind": VIEW_KINDS[row["kind"]], "definition": view_definition(row["definition"]),
                          "indexes": {}, "triggers": {}}  # indexes: materialized views; triggers: views
            options = dict(item.partition("=")[::2] for item in row.get("options") or ())
            chosen = {name: options[name] for name in VIEW_OPTIONS if name in options}
            if chosen and row["kind"] == "v":  # WITH CHECK OPTION, security_barrier, security_invoker
                node["options"] = chosen
            self._add(row, "views", row["name"], node)

    def add_functions(self, rows: Iterable[Row]) -> None:
        """Functions and procedures: signature, behaviour and a hash of the body."""
        for row in rows:
            body = row["sql_body"] if row["sql_body"] is not None else row["source"]
            node = {"kind": FUNCTION_KINDS[row["kind"]], "arguments": row["arguments"],
                    "returns": row["returns"], "language": row["language"],
                    "volatility": VOLATILITY[row["volatility"]], "security_definer": row["security_definer"],
                    "strict": row["strict"], "parallel": PARALLEL[row["parallel"]],
                    "config": sorted(row["config"] or ()),
                    "body_hash": body_hash(body or "", self.fingerprint)}
            self._add(row, "functions", f"{row['name']}({row['argtypes']})", node)

    def add_sequences(self, rows: Iterable[Row]) -> None:
        """Sequences, except those owned by a table that is left out."""
        for row in rows:
            if row["table_oid"] in self.skipped:
                continue
            node = {key: row[key] for key in ("type", "start", "increment", "minimum", "maximum", "cycle",
                                              "owned_by")}
            self._add(row, "sequences", row["name"], node)

    def add_enums(self, rows: Iterable[Row]) -> None:
        """Enums with their ordered labels."""
        for row in rows:
            self._add(row, "enums", row["name"], {"labels": list(row["labels"])})

    def add_domains(self, rows: Iterable[Row]) -> None:
        """Domains: base type, nullability, default, collation, checks."""
        for row in rows:
            self._add(row, "domains", row["name"], {
                "type": row["type"], "nullable": row["nullable"], "default": row["domain_default"],
                "collation": row["collation"], "constraints": dict(row["checks"] or {})})

    def add_composites(self, rows: Iterable[Row]) -> None:
        """Composite types: attribute types, and their order."""
        for row in rows:
            attributes = [(name, kind) for name, kind in row["attributes"] or ()]
            self._add(row, "types", row["name"], {
                "attributes": dict(attributes), "attribute_order": [name for name, _ in attributes]})

    def add_collations(self, rows: Iterable[Row]) -> None:
        """Collations (CREATE COLLATION): provider, locales, determinism."""
        for row in rows:
            node: Node = {"provider": COLLATION_PROVIDERS.get(row["provider"], row["provider"]),
                          "deterministic": row["deterministic"]}
            for key in ("lc_collate", "lc_ctype", "icu_locale"):
                if row[key] is not None:
                    node[key] = row[key]
            self._add(row, "collations", row["name"], node)

    def oids(self, group: str) -> list[int]:
        """Oids of the objects recorded in `group` ('tables', 'functions', ...)."""
        return [oid for oid, (segments, _) in self.objects.items() if segments[2] == group]

    def fail(self, oid: int, message: str) -> None:
        """Drop an object that could not be read whole, and record it as a gap."""
        entry = self.objects.pop(oid, None)
        if entry is None:
            return
        segments = entry[0]
        schema, group, key = segments[1], segments[2], segments[3]
        self.tree[schema][group].pop(key, None)
        self.gaps.append(Gap(f"{schema}.{key}", message, segments))
