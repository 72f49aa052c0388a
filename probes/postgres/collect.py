"""Read a whole database in one transaction: server, settings, extensions, migrations, schema.

The number of queries is fixed (one per object class, plus one per migration table
found), whatever the size of the schema.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import psycopg
from psycopg.rows import tuple_row

from fidelity.probe import Gap, SecretKeeper, SubtreeProtector
from fidelity.probe.migrations import TOOL_NAMES
from fidelity.probe.shape.options import DataOptions
from probes.postgres import settings
from probes.postgres.lanes import SWITCH_INTERVAL, SWITCHING, Lanes
from probes.postgres.normalise import setting_value
from probes.postgres.prefetch import Prefetch
from probes.postgres.rows import Row
from probes.postgres.schema import GROUPS, VANISHED, SchemaTree, Scope
from probes.postgres.session import QueryFailed, Session

#: The SQL-standard body of a function (`BEGIN ATOMIC ... END`) exists from PostgreSQL 14.
SQL_BODY_FROM_14 = "CASE WHEN p.prosqlbody IS NOT NULL THEN pg_get_function_sqlbody(p.oid) END"
SQL_BODY_BEFORE_14 = "NULL"
#: `NULLS NOT DISTINCT` unique indexes exist from PostgreSQL 15.
NULLS_NOT_DISTINCT_FROM_15 = "i.indnullsnotdistinct"
NULLS_NOT_DISTINCT_BEFORE_15 = "false"
#: The ICU locale of a collation: colliculocale in PostgreSQL 15 and 16, colllocale from 17, and
#: collcollate (where libc collations keep theirs) in 14.
ICU_LOCALE_FROM_17 = "co.colllocale"
ICU_LOCALE_FROM_15 = "co.colliculocale"
ICU_LOCALE_BEFORE_15 = "CASE WHEN co.collprovider = 'i' THEN co.collcollate END"
#: Nesting checked below a schema object (a table, its columns, a column's fields): the snapshot
#: keeps a protected object only where its depth (4) plus this fits its own limit (64).
OBJECT_DEPTH = 16
#: SQLSTATE of a lock wait that exceeded lock_timeout.
LOCK_NOT_AVAILABLE = "55P03"
#: Connections besides the first that read the schema, in its snapshot (`probes.postgres.lanes`).
EXTRA_CONNECTIONS = 2
#: The connection of each schema query (0 is the first): the three largest (columns, constraints,
#: indexes) run side by side from the start, each after at most one small one.
LANE_OF = {"columns": 0, "triggers": 0, "policies": 0, "functions": 0,
           "tables": 1, "constraints": 1, "sequences": 1, "enums": 1,
           "views": 2, "indexes": 2, "domains": 2, "composites": 2, "collations": 2}


#: The schema queries in the order their rows are assembled, each with the group it fills.
STEPS = (("tables", "tables"), ("views", "views"), ("columns", "tables"), ("constraints", "tables"),
         ("indexes", "tables"), ("triggers", "tables"), ("policies", "tables"), ("functions", "functions"),
         ("sequences", "sequences"), ("enums", "enums"), ("domains", "domains"), ("composites", "types"),
         ("collations", "collations"))


@dataclass(frozen=True)
class Request:
    """What to read besides the schema scope."""

    scope: Scope
    """Schemas, tables, privileges."""
    exclude_settings: tuple[str, ...] = ()
    """Globs of settings to leave out, besides the default noise list."""
    migrations: tuple[str, ...] = TOOL_NAMES
    """Migration tools to look for; empty to look for none."""
    data: DataOptions | None = None
    """Data-shape fingerprints to take, or None."""


class Catalog:
    """Runs the catalog queries of one snapshot and assembles their rows."""

    def __init__(self, session: Session, request: Request, secrets: SecretKeeper) -> None:
        self.session = session
        self.request = request
        self.secrets = secrets
        self.tree = SchemaTree(request.scope, secrets.derived("postgres bodies").fingerprint)
        self.gaps: list[Gap] = []
        self.version = 0

    def read(self) -> tuple[dict[str, Any], list[Gap]]:
        """Everything the probe collects, and what could not be read."""
        lanes = Lanes(self.session, EXTRA_CONNECTIONS)  # opened while the first session reads on
        try:
            return self._read(lanes)
        except KeyboardInterrupt:
            lanes.interrupt()  # the other sessions' queries end now: closing waits for none of them
            raise
        finally:
            lanes.close()

    def _read(self, lanes: Lanes) -> tuple[dict[str, Any], list[Gap]]:
        data: dict[str, Any] = {}
        server = self._part("server", {}, ("server",))
        database: dict[str, Any] = {}
        if server:
            self.version = server[0]["version_num"]
            data["server"] = {"version": {"major": self.version // 10000, "minor": self.version % 10000}}
            database = server[0].get("database") or {}
            locale = settings.database_locale(database)
            if locale:
                data["server"]["locale"] = locale
        schemas_read = self._fetch("schemas", ("schema",))
        schemas = self.tree.add_schemas(schemas_read[0])
        # The first connection's thread reads the small parts, then its share of the schema, while the
        # other connections read theirs: the server starts on the largest queries at once, and the
        # small parts are assembled here meanwhile. Gaps are listed in the order the parts are read.
        first = lanes.pools[0]
        settings_read = first.submit(self._fetch, "settings", ("settings",))
        extensions_read = first.submit(self._fetch, "extensions", ("extensions",))
        migrations_read = None
        if self.request.migrations:
            from probes.postgres import migrations  # imported only when the probe looks for them

            migrations_read = first.submit(migrations.read, self.session, self.request.migrations)
        # the query threads need the GIL for a moment after each wait on the server: give it sooner
        with SWITCHING.shortened(SWITCH_INTERVAL):
            ahead = self._prefetch(lanes, schemas)
            try:
                data["settings"] = self._settings(database, self._parted(settings_read.result()))
                data["extensions"] = {
                    row["name"]: {"version": row["version"], "default_version": row["default_version"],
                                  "schema": row["schema"]}
                    for row in self._parted(extensions_read.result())
                    # the `schemas` filter applies to extensions too; pg_catalog is no user schema (plpgsql)
                    if row["schema"] == "pg_catalog" or self.request.scope.includes_schema(row["schema"])}
                self._parted(schemas_read)
                skip: set[int] = set()
                if migrations_read is not None:
                    data["migrations"], skip, gaps = migrations_read.result()
                    self.gaps += gaps
                self._schema(ahead, schemas, skip)
            finally:
                ahead.cancel()
        # what a concurrent transaction dropped meanwhile is asked of the server while the objects are
        # protected here; the protected tree then loses those objects
        vanished = lanes.pools[0].submit(self._vanished)
        self._protect_objects()
        self._drop(vanished.result())
        # the data fingerprints are read on the first connection and one other, side by side
        helpers = lanes.trim(1 if self.request.data is not None else 0)
        data["schema"] = self.tree.tree
        if self.request.data is not None:
            from probes.postgres.data.collect import DataShape  # imported only when fingerprints are taken

            shape = DataShape(self.session, self.request.data, self.request.scope, self.secrets,
                              helpers[0] if helpers else None)
            data["data"] = shape.read(schemas, skip)
            data["data_key"] = self.secrets.key_id
            self.gaps += shape.gaps
        return data, self.gaps + self.tree.gaps

    def _fetch(self, name: str, segments: tuple[str, ...]) -> tuple[list[Row], Gap | None]:
        """The rows of one query without parameters, or none and the gap it leaves."""
        try:
            return self.session.named(name, {}), None
        except QueryFailed as exc:
            return [], Gap(name, f"cannot read {name}: {exc}", segments)

    def _parted(self, read: tuple[list[Row], Gap | None]) -> list[Row]:
        """The rows `_fetch` read, its gap (if any) recorded."""
        rows, gap = read
        if gap is not None:
            self.gaps.append(gap)
        return rows

    def _part(self, name: str, params: dict[str, Any], segments: tuple[str, ...]) -> list[Row]:
        try:
            return self.session.named(name, params)
        except QueryFailed as exc:
            self.gaps.append(Gap(name, f"cannot read {name}: {exc}", segments))
            return []

    def _settings(self, database: dict[str, Any], rows: list[Row]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        if rows:
            rows += settings.database_settings(database, {row["name"] for row in rows})
        for row in rows:
            name = row["name"]
            if settings.is_noise(name, self.request.exclude_settings):
                continue
            value = setting_value(row["reset_val"], row["unit"])
            # A secret-looking name holds a secret only where the value can be any text: a bool,
            # enum or number (password_encryption = scram-sha-256) is one of a known few, and
            # stays comparable. Secrets inside other values are found by their shape when the
            # snapshot is taken.
            secret = row["vartype"] not in settings.CONSTRAINED_TYPES and self.secrets.is_secret_name(name)
            values[name] = self.secrets.fingerprint(value) if secret else value
        return values

    def _prefetch(self, lanes: Lanes, schemas: list[str]) -> Prefetch:
        """Every schema query submitted to its connection (`LANE_OF`), in the order `_schema` reads them."""
        body = SQL_BODY_FROM_14 if self.version >= 140000 else SQL_BODY_BEFORE_14
        icu = (ICU_LOCALE_FROM_17 if self.version >= 170000
               else ICU_LOCALE_FROM_15 if self.version >= 150000 else ICU_LOCALE_BEFORE_15)
        fragments = {"functions": {"sql_body": body},
                     "indexes": {"nulls_not_distinct": NULLS_NOT_DISTINCT_FROM_15 if self.version >= 150000
                                 else NULLS_NOT_DISTINCT_BEFORE_15},
                     "collations": {"icu_locale": icu}}
        queries = [(name, fragments.get(name, {})) for name, _ in STEPS]
        params: dict[str, Any] = {"schemas": schemas, "skip": []}
        return Prefetch(lanes.ready(), queries, params, [LANE_OF.get(name, 0) for name, _ in queries])

    def _schema(self, ahead: Prefetch, schemas: list[str], skip: set[int]) -> None:
        tree = self.tree
        adders: dict[str, Callable[[list[Row]], None]] = {
            "tables": lambda rows: tree.add_tables(rows, skip),
            "views": tree.add_views,  # before indexes: materialized views have some
            "columns": lambda rows: tree.add_columns(list(rows[0]) if rows else [],
                                                     [tuple(row.values()) for row in rows]),
            "constraints": tree.add_constraints, "indexes": tree.add_indexes, "triggers": tree.add_triggers,
            "policies": tree.add_policies, "functions": tree.add_functions, "sequences": tree.add_sequences,
            "enums": tree.add_enums, "domains": tree.add_domains, "composites": tree.add_composites,
            "collations": tree.add_collations,
        }
        for index, (name, group) in enumerate(STEPS):
            rows = self._settle(ahead, index, group, schemas)
            if name == "columns" and rows is not None and not isinstance(rows, list):
                tree.add_columns(*_tuples(rows))  # the largest result: no dict per row
            elif rows is not None:
                adders[name](rows if isinstance(rows, list) else rows.fetchall())

    def _protect_objects(self) -> None:
        """Protect every object of the schema tree (a table with its columns, constraints and
        indexes; a view; a function...) as the snapshot would, in a few lean surveys
        (`SubtreeProtector.protect_many`): the snapshot then keeps each as it is, where it would
        otherwise walk and copy tens of thousands of small dicts."""
        protector = SubtreeProtector(self.secrets, max_depth=OBJECT_DEPTH)
        owners = [(objects, name, ("schema", schema, group, name))
                  for schema, node in self.tree.tree.items() for group in GROUPS
                  for objects in (node[group],) for name in objects]
        kept = protector.protect_many([(objects[name], place) for objects, name, place in owners])
        for (objects, name, _), protected in zip(owners, kept, strict=True):
            objects[name] = protected

    def _settle(self, ahead: Prefetch, index: int, group: str,
                schemas: Iterable[str]) -> psycopg.Cursor[Row] | list[Row] | None:
        """The result of one object class; after a failure, leave out what cannot be read now, retry once.

        A result read (on another connection) before an earlier failure left more out is read again,
        as it would have been had it waited for that failure: it depends on no connection's timing."""
        found: psycopg.Cursor[Row] | None = None
        failure: QueryFailed | None = None
        try:
            found = ahead.result(index)
        except QueryFailed as exc:
            failure = exc
        used, now = ahead.skips[index], frozenset(ahead.params["skip"])
        if found is not None and used == now:
            return found
        ahead.pause(index)  # the connection is needed here, and later queries may need a new `skip`
        name, fragments = ahead.queries[index]
        rows: list[Row] | None = None
        if used != now:
            used = now
            try:
                rows = self.session.named(name, ahead.params, **fragments)
            except QueryFailed as exc:
                failure = exc
        if rows is None:
            assert failure is not None
            skip = set(now) | self._unreadable(failure)
            if skip != used:
                ahead.params["skip"] = sorted(skip)
                try:
                    rows = self.session.named(name, ahead.params, **fragments)
                except QueryFailed as exc:
                    failure = exc
        ahead.resume(index)
        if rows is None:
            for schema in schemas:
                self.gaps.append(Gap(f"{name} in schema {schema}", f"cannot read {name}: {failure}",
                                     ("schema", schema, group)))
        return rows

    def _unreadable(self, failure: QueryFailed) -> set[int]:
        """Objects dropped since the snapshot began, and, after a lock timeout, those locked by others."""
        vanished = self._vanished()
        self._drop(vanished)
        if failure.sqlstate != LOCK_NOT_AVAILABLE:
            return vanished
        try:
            rows = self.session.named("locked", {})
        except QueryFailed:
            return vanished
        message = (f"another session holds an exclusive lock on it, or on a table it reads, for longer than "
                   f"lock_timeout ({self.session.timeouts.lock} ms), e.g. a running migration; run the audit "
                   "again when it is released, or raise `lock_timeout`")
        for row in rows:
            if row["oid"] in self.tree.objects:
                self.tree.fail(row["oid"], message)
            elif row["schema"] in self.tree.tree and row["oid"] not in self.tree.skipped:
                group = "views" if row["kind"] in ("v", "m") else "tables"
                self.tree.gaps.append(Gap(f"{row['schema']}.{row['name']}", message,
                                          ("schema", row["schema"], group, row["name"])))
        return vanished | {row["oid"] for row in rows}

    def _vanished(self) -> set[int]:
        tree = self.tree
        params = {"relations": tree.oids("tables") + tree.oids("views") + tree.oids("sequences"),
                  "functions": tree.oids("functions"),
                  "types": tree.oids("enums") + tree.oids("domains") + tree.oids("types")}
        try:
            return {row["oid"] for row in self.session.named("vanished", params)}
        except QueryFailed:
            return set()

    def _drop(self, oids: Iterable[int]) -> None:
        for oid in oids:
            self.tree.fail(oid, VANISHED)


def _tuples(cursor: psycopg.Cursor[Row]) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A cursor's field names and its rows as tuples."""
    plain = cast(psycopg.Cursor[Any], cursor)
    plain.row_factory = tuple_row
    return [field.name for field in plain.description or ()], plain.fetchall()
