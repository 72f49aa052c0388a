"""The `postgres` probe: server version, settings, extensions, schema and migration history.

Data, and so the path grammar below the probe name (docs/probes/postgres.md has it all)::

    server/version/major|minor
    extensions/<name>/version|default_version|schema
    settings/<name>
    schema/<schema>/tables/<table>/columns/<column>/type|nullable|default|...
    schema/<schema>/tables/<table>/constraints|indexes|triggers|policies/<name>
    schema/<schema>/views|functions|sequences|enums|domains|types/<name>/...
    migrations/<tool>/applied/<id> | head | dirty

Everything is read from pg_catalog in one REPEATABLE READ READ ONLY transaction. The
catalog work (`probes.postgres.collect` and the modules it uses) is imported only when
the probe runs, so that loading the probe registry never loads psycopg.
"""

from __future__ import annotations

import sys
from typing import Any

from fidelity.probe import (
    Assessment,
    Category,
    DiffChange,
    Gap,
    Kind,
    Option,
    Probe,
    ProbeError,
    ProbeResult,
    Severity,
    mask_text,
    written_credentials,
)
from fidelity.probe.migrations import TOOL_NAMES
from fidelity.probe.shape import options as data_options
from probes.postgres.options import check_dsn, check_migrations, check_positive, globs


class PostgresProbe(Probe):
    """Reads one PostgreSQL database's catalog, settings and migration tables, read-only."""

    type_name = "postgres"
    category = Category.SCHEMA
    remote = True
    description = "PostgreSQL server, settings, extensions, schema and migration heads (read-only)"
    option_schema = (
        Option("dsn", Kind.STRING, 'libpq connection string or URL, usually "${VAR}"', required=True,
               check=check_dsn),
        globs("schemas", "globs of schema names to compare", ["*"]),
        globs("exclude_schemas", "globs of schema names to leave out", []),
        globs("exclude_tables", "globs of `table` or `schema.table` names to leave out", []),
        globs("exclude_settings", "globs of setting names to leave out, besides the host-specific ones", []),
        Option("connect_timeout", Kind.INTEGER, "seconds to wait for the connection", default=10,
               check=check_positive, minimum=1, maximum=86_400),
        Option("statement_timeout", Kind.INTEGER, "milliseconds one catalog query may run", default=30000,
               check=check_positive, minimum=1, maximum=86_400_000),
        Option("lock_timeout", Kind.INTEGER, "milliseconds to wait for a lock on a migration table",
               default=5000, check=check_positive, minimum=1, maximum=86_400_000),
        Option("privileges", Kind.BOOLEAN,
               "compare owners and grants (off: roles differ between environments)", default=False),
        Option("migrations", Kind.ANY, '"auto" (every known tool), "off", or a list of tool names',
               default="auto", check=check_migrations),
        Option("data", Kind.ANY, "data-shape fingerprints: true, or a table of tables, exclude_tables, "
               "sample_rows, columns, json_depth, json_keys, json_fold_depth, seed (docs/probes/postgres.md)",
               default=False, check=data_options.check),
    )
    severity_notes = (
        ("schema, table, column, view, function, trigger, sequence, type or collation missing from the "
         "candidate", Severity.HIGH),
        ("any object only in the candidate, except a constraint, unique index, trigger or policy",
         Severity.MEDIUM),
        ("column type, nullability, default, identity, generated expression, collation", Severity.HIGH),
        ("table kind, partitioning, inheritance (`inherits`), view kind, function result type, domain",
         Severity.HIGH),
        ("row security enabled/forced changed; RLS policy missing, extra or changed", Severity.HIGH),
        ("constraint (primary key, unique, foreign key, check, exclusion) missing, extra or changed",
         Severity.HIGH),
        ("unique index missing, extra or changed", Severity.HIGH),
        ("other index missing, extra or changed", Severity.MEDIUM),
        ("index or constraint renamed (same definition under another name)", Severity.INFO),
        ("column order of a table; column origin (local or inherited)", Severity.LOW),
        ("column order that changes only by added or removed columns", Severity.INFO),
        ("view definition or options (`check_option`, `security_barrier`, `security_invoker`); function "
         "body, arguments, strictness, security definer, config; trigger, and whether it fires (disabled, "
         "replica-only or always: recorded after its definition); sequence type, increment, bounds, cycle; "
         "collation provider, locale, determinism", Severity.HIGH),
        ("function volatility, parallel safety, language; sequence start, owner; table persistence",
         Severity.MEDIUM),
        ("enum lacks a label of the reference, or orders the reference's labels differently (`ORDER BY` "
         "and `<` on the enum change)", Severity.HIGH),
        ("enum adds labels, the reference's keeping their order", Severity.MEDIUM),
        ("comment, owner", Severity.LOW),
        ("privileges (with `privileges = true`)", Severity.MEDIUM),
        ("server major version (its message lists what the version change explains)", Severity.HIGH),
        ("server minor version (same major)", Severity.MEDIUM),
        ("database locale provider or locale (`server/locale`)", Severity.HIGH),
        ("extension missing from the candidate", Severity.HIGH),
        ("extension only in the candidate; extension version changed", Severity.MEDIUM),
        ("extension default version offered by the server (pending update)", Severity.LOW),
        ("semantic setting (TimeZone, DateStyle, search_path, standard_conforming_strings, ...)",
         Severity.HIGH),
        ("other setting (statement_timeout, lock_timeout, jit, ...)", Severity.MEDIUM),
        ("memory, worker, cost, logging and vacuum setting; setting missing or extra", Severity.LOW),
        ("migration applied in the reference but not in the candidate (candidate behind)", Severity.HIGH),
        ("migration only in the candidate (the release under test)", Severity.INFO),
        ("migration histories diverged (each side has migrations the other lacks)", Severity.CRITICAL),
        ("migration head differs (alembic, golang-migrate); migration checksum differs", Severity.MEDIUM),
        ("dirty or failed migration state", Severity.HIGH),
        ("migration tool table missing from the candidate", Severity.HIGH),
        ("data: histogram (lengths, magnitudes, weekdays, labels, values, JSON types) at "
         "Jensen–Shannon distance ≥ 0.3",
         Severity.MEDIUM),
        ("data: histogram at Jensen–Shannon distance ≥ 0.1",
         Severity.LOW),
        ("data: fraction (null, distinct, empty, formats, classes, signs, JSON presence) differs by ≥ 0.2",
         Severity.MEDIUM),
        ("data: fraction differs by ≥ 0.05",
         Severity.LOW),
        ("data: column never NULL on one side, NULL in ≥ 5% of rows on the other",
         Severity.MEDIUM),
        ("data: column NULL, or empty, in every candidate row where the reference has values",
         Severity.HIGH),
        ("data: a label, value, character class or format in ≥ 50% of reference values and in no "
         "candidate value; a JSON key path in ≥ 50% of reference documents and absent from the candidate",
         Severity.HIGH),
        ("data: median order of magnitude moved by ≥ 2 (a unit error); row counts ≥ 3 orders apart",
         Severity.HIGH),
        ("data: JSON key path absent on one side, in ≥ 5% of documents on the other",
         Severity.MEDIUM),
        ("data: row counts ≥ 2 orders of magnitude apart; size ≥ 3; average width ≥ 2×; spread in days ≥ 10×",
         Severity.LOW),
    )

    @classmethod
    def interrupt(cls) -> None:
        """Cancel the query of every session the probe has open, in whatever thread it runs."""
        if "probes.postgres.session" in sys.modules:  # else no session was ever opened
            from probes.postgres.session import cancel_all

            cancel_all()

    def collect(self) -> ProbeResult:
        """Read the database; faults become a ProbeError naming the probe and environment."""
        from probes.postgres.collect import Catalog, Request
        from probes.postgres.schema import Scope
        from probes.postgres.session import PgFault, Session, Timeouts

        opts = self.options
        wanted = opts["migrations"]
        request = Request(
            scope=Scope(tuple(opts["schemas"]), tuple(opts["exclude_schemas"]), tuple(opts["exclude_tables"]),
                        bool(opts["privileges"])),
            exclude_settings=tuple(opts["exclude_settings"]),
            migrations=TOOL_NAMES if wanted == "auto" else () if wanted == "off" else tuple(wanted),
            data=data_options.parse(opts["data"]),
        )
        timeouts = Timeouts(opts["connect_timeout"], opts["statement_timeout"], opts["lock_timeout"])
        try:
            session = Session.open(opts["dsn"], timeouts)
            try:
                data, gaps = Catalog(session, request, self.context.secrets).read()
            finally:
                session.close()
        except PgFault as exc:
            raise ProbeError(self._mask(f"postgres probe {self.name!r}, environment "
                                        f"{self.context.environment!r}: {exc}")) from None
        return ProbeResult(data, tuple(Gap(g.object, self._mask(g.message), g.segments) for g in gaps))

    def _mask(self, text: str) -> str:
        from psycopg.conninfo import conninfo_to_dict

        try:
            password = conninfo_to_dict(self.options["dsn"]).get("password")
        except Exception:  # an unparseable DSN: the patterns in mask_text still apply
            password = None
        written = written_credentials(str(self.options["dsn"]))  # a password a parser cut: its pieces
        return mask_text(text, [str(password), *written] if password else written)

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge a change by where it is; see `probes.postgres.severity` (imported here: a snapshot
        judges nothing)."""
        from probes.postgres import severity

        return severity.assess(change, reference, candidate)
