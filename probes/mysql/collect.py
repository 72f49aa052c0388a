"""Read a whole server in one transaction: server, plugins, variables, schema (migrations and data delegated).

The number of queries is fixed (one per object class), whatever the size of the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from fidelity.probe import Gap, SecretKeeper
from fidelity.probe.shape.options import DataOptions
from probes.mysql import queries, variables
from probes.mysql.normalise import sql_modes
from probes.mysql.schema import Row, SchemaTree, Scope
from probes.mysql.session import QueryFailed, Session

#: Privileges on a database that make all its tables' columns visible in information_schema (SHOW VIEW,
#: TRIGGER or INDEX show the tables, not their columns). REFERENCES does, and reads no data.
COLUMNS_VISIBLE = ("SELECT", "INSERT", "UPDATE", "REFERENCES", "ALL PRIVILEGES")
GRANTS = """
SELECT NULL AS `schema`, PRIVILEGE_TYPE AS privilege FROM information_schema.USER_PRIVILEGES
WHERE GRANTEE = %(grantee)s
UNION ALL
SELECT TABLE_SCHEMA, PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = %(grantee)s"""


@dataclass(frozen=True)
class Request:
    """What to read besides the schema scope."""

    scope: Scope
    """Databases, tables, privileges."""
    exclude_variables: tuple[str, ...] = ()
    """Globs of variables to leave out, besides the host-specific ones."""
    migrations: tuple[str, ...] = ()
    """Migration tools to look for; empty to look for none."""
    data: DataOptions | None = None
    """Data-shape fingerprints to take, or None."""


class Catalog:
    """Runs the catalog queries of one snapshot and assembles their rows."""

    def __init__(self, session: Session, request: Request, secrets: SecretKeeper) -> None:
        self.session = session
        self.request = request
        self.secrets = secrets
        self.gaps: list[Gap] = []
        bodies = secrets.derived("mysql bodies")
        self.tree = SchemaTree(request.scope, session.flavour, bodies.fingerprint)

    def read(self) -> dict[str, Any]:
        """Server, plugins, variables and schema; what could not be read is in `gaps`."""
        session = self.session
        major, minor, *patch = [*session.version_tuple, 0, 0][:3]
        data: dict[str, Any] = {
            "server": {"flavour": session.flavour, "version": {"major": major, "minor": minor,
                                                                "patch": patch[0]},
                       "comment": session.version_comment},
            "plugins": {row["name"]: {"status": row["status"], "version": row["version"], "type": row["type"]}
                        for row in self._part("plugins", queries.PLUGINS, {}, ("plugins",))},
            "variables": self._variables(),
        }
        if session.flavour == "mysql":
            rows = self._part("components", queries.COMPONENTS, {}, ("components",))
            data["components"] = {row["name"]: {"status": "ACTIVE"} for row in rows}
        names = self.tree.add_schemata(self._part("databases", queries.SCHEMATA, {}, ("schema",)))
        if self.request.migrations:
            from probes.mysql import migrations

            with session.released():  # the migration tables are not held while the rest is read
                data["migrations"], found, gaps = migrations.read(session, names, self.request.migrations)
            self.gaps += gaps
            self.tree.scope = replace(self.tree.scope, skip_tables=frozenset(found))
        self._schema(names)
        data["schema"] = self.tree.tree
        if self.request.data is not None:
            data["data"], data["data_key"] = self._data(self.request.data), self.secrets.key_id
        return data

    def _data(self, options: DataOptions) -> dict[str, Any]:
        """Data shape of every table read, keyed by database slot as the schema is."""
        from probes.mysql.data import collect as shape

        tables = [(schema, table) for schema, table, _ in self.tree.column_list()]
        found, gaps = shape.collect(self.session, tables, options, self.secrets)
        slots = self.tree.slots
        for gap in gaps:
            segments = gap.segments
            if len(segments) > 1 and segments[0] == "data":
                segments = ("data", slots.get(segments[1], segments[1]), *segments[2:])
            self.gaps.append(Gap(gap.object, gap.message, segments))
        return {slots.get(schema, schema): tables for schema, tables in found.items()}

    def _variables(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(variables.collect(self.session.session_variables,
                                                        self.session.global_variables,
                                                        self.request.exclude_variables))
        if "sql_mode" in values:  # a set: one finding per mode added or removed
            values["sql_mode"] = dict.fromkeys(sql_modes(values["sql_mode"]), True)
        return values

    def _part(self, name: str, sql: str, params: dict[str, Any], segments: tuple[str, ...]) -> list[Row]:
        try:
            return self.session.query(sql, params)
        except QueryFailed as exc:
            self.gaps.append(Gap(name, f"cannot read {name}: {exc}", segments))
            return []

    def _schema(self, names: list[str]) -> None:
        tree = self.tree
        if not names:
            return
        params = {"schemas": names}
        fragments = queries.FLAVOURED[self.session.flavour]

        def read(name: str, sql: str, group: str) -> list[Row]:
            try:
                return self.session.query(sql.format(**fragments.get(name, {})), params)
            except QueryFailed as exc:
                for schema in names:
                    self.gaps.append(Gap(f"{name} in database {schema}", f"cannot read {name}: {exc}",
                                         ("schema", tree.slots[schema], group)))
                return []

        steps: tuple[tuple[str, str, str, Callable[[list[Row]], None]], ...] = (
            ("tables", queries.TABLES, "tables", tree.add_tables),
            ("columns", queries.COLUMNS, "tables", tree.add_columns),
            ("statistics", queries.STATISTICS, "tables", tree.add_indexes),
            ("foreign keys", queries.FOREIGN_KEYS, "tables", tree.add_foreign_keys),
            ("checks", queries.CHECKS[self.session.flavour], "tables", tree.add_checks),
            ("partitions", queries.PARTITIONS, "tables", tree.add_partitions),
            ("triggers", queries.TRIGGERS, "triggers", tree.add_triggers),
            ("views", queries.VIEWS, "views", tree.add_views),
            ("events", queries.EVENTS, "events", tree.add_events),
        )
        for name, sql, group, add in steps:
            add(read(name, sql, group))
        routines = read("routines", queries.ROUTINES, "functions")
        tree.add_routines(routines, read("parameters", queries.PARAMETERS, "functions"))
        if self.request.scope.privileges:
            tree.add_privileges(read("privileges", queries.SCHEMA_PRIVILEGES, "tables"),
                                read("privileges", queries.TABLE_PRIVILEGES, "tables"))
        self._hidden(names, routines)

    def _hidden(self, names: list[str], routines: list[Row]) -> None:
        """Gaps for what information_schema hides from this user instead of refusing it."""
        tree = self.tree
        for schema in names:
            slot = tree.slots[schema]
            for group in ("views", "functions", "procedures", "events"):
                for key, node in tree.tree[slot][group].items():
                    if (group == "views" and not node["definition"]) or node.get("body_hash", "") is None:
                        self.gaps.append(Gap(f"{schema}.{key}", "the server hides its definition from this "
                                             "user; grant SHOW VIEW, or SHOW_ROUTINE (MySQL) / SELECT on "
                                             "mysql.proc (MariaDB)", ("schema", slot, group, key)))
        try:
            user = self.session.query("SELECT CURRENT_USER() AS user")[0]["user"]
            name, _, host = str(user).rpartition("@")
            rows = self.session.query(GRANTS, {"grantee": f"'{name}'@'{host}'"})
        except QueryFailed:
            return
        granted: dict[str | None, set[str]] = {None: set()}
        for row in rows:
            granted.setdefault(row["schema"], set()).add(row["privilege"])
        for schema in names:
            have = granted[None] | granted.get(schema, set())
            slot = tree.slots[schema]
            needs = (("tables", COLUMNS_VISIBLE, "SELECT (or REFERENCES)"),
                     ("triggers", ("TRIGGER", "ALL PRIVILEGES"), "TRIGGER"),
                     ("events", ("EVENT", "ALL PRIVILEGES"), "EVENT"))
            for group, privileges, grant in needs:
                if not have & set(privileges):
                    self.gaps.append(Gap(
                        f"{group} in database {schema}",
                        f"information_schema shows this user only the {group} (and columns) it holds "
                        "privileges on; "
                        f"grant {grant} on the database to compare all of them", ("schema", slot, group)))
