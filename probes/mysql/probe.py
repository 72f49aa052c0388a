"""The `mysql` probe (MySQL 8 and MariaDB): server, plugins, variables, schema, migrations, data shape.

Data, and so the path grammar below the probe name (docs/probes/mysql.md has it all)::

    server/flavour | version/major|minor|patch | comment
    plugins/<name>/status|version|type          components/<urn> (MySQL)
    variables/<name>                            variables/sql_mode/<MODE>
    schema/<database>/charset|collation
    schema/<database>/tables/<table>/engine|row_format|charset|collation|options|comment|partitioning
    schema/<database>/tables/<table>/column_order | columns/<column>/type|nullable|default|...
    schema/<database>/tables/<table>/indexes|foreign_keys|checks/<name>
    schema/<database>/views|functions|procedures|triggers|events/<name>/...

Everything is read from information_schema in one READ ONLY transaction WITH CONSISTENT
SNAPSHOT. PyMySQL and the catalog code are imported only when the probe runs.
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
    OptionError,
    Probe,
    ProbeError,
    ProbeResult,
    Severity,
    mask_text,
    migrations,
    written_credentials,
)
from fidelity.probe.shape import options as data_options
from probes.mysql import severity

SSL_MODES = ("disabled", "preferred", "required", "verify_ca", "verify_identity")


def _globs(name: str, doc: str) -> Option:
    return Option(name, Kind.STRING_LIST, doc, default=[])


def _check_dsn(value: Any) -> None:
    """A literal `dsn` is checked with the config (exit 2); one naming a variable or `{env}` when the
    probe runs (exit 3). The message never echoes the DSN."""
    from probes.mysql.session import MysqlFault, parse_dsn

    if "$" in value or "{env}" in value:
        return
    try:
        parse_dsn(value)
    except MysqlFault as exc:
        raise OptionError(mask_text(str(exc))) from None


class MysqlProbe(Probe):
    """Reads one MySQL or MariaDB server's catalog and variables, read-only."""

    type_name = "mysql"
    category = Category.SCHEMA
    remote = True
    description = "MySQL / MariaDB server, plugins, variables, schema and migration heads (read-only)"
    option_schema = (
        Option("dsn", Kind.STRING, 'mysql://user:password@host:port/database, usually "${VAR}"',
               required=True, check=_check_dsn),
        Option("ssl_mode", Kind.STRING, "TLS: as the mysql client's --ssl-mode", default="preferred",
               choices=SSL_MODES),
        Option("ssl_ca", Kind.STRING, "PEM file of the CA that signed the server's certificate", default=None,
               path=True),
        _globs("schemas", "globs of database names to compare (default: the DSN's database, or every one)"),
        _globs("exclude_schemas", "globs of database names to leave out"),
        _globs("exclude_tables", "globs of `table` or `database.table` names to leave out"),
        _globs("exclude_variables", "globs of variable names to leave out, besides the host-specific ones"),
        Option("connect_timeout", Kind.INTEGER, "seconds to wait for the connection", default=10,
               minimum=1, maximum=86_400),
        Option("statement_timeout", Kind.INTEGER, "milliseconds one query may run (max_statement_time / "
               "max_execution_time)", default=30000, minimum=1, maximum=86_400_000),
        Option("lock_timeout", Kind.INTEGER, "milliseconds to wait for a lock (lock_wait_timeout, whole "
               "seconds)", default=5000, minimum=1, maximum=86_400_000),
        Option("privileges", Kind.BOOLEAN, "compare definers and grants (off: users differ between "
               "environments)", default=False),
        Option("migrations", Kind.ANY, '"auto" (every known tool), "off", or a list of tool names',
               default="auto", check=migrations.check_option),
        Option("data", Kind.ANY, "data-shape fingerprints: true, or a table (docs/probes/mysql.md)",
               default=False, check=data_options.check),
    )
    severity_notes = (
        ("server flavour (MariaDB vs MySQL)", Severity.CRITICAL),
        ("server major version; plugin missing or its status changed", Severity.HIGH),
        ("server minor version; plugin only in the candidate", Severity.MEDIUM),
        ("server patch version, version comment; plugin version or type", Severity.LOW),
        ("sql_mode: each mode added or removed", Severity.HIGH),
        ("behaviour variable (character_set_server, collation_server, time_zone, lower_case_table_names, "
         "explicit_defaults_for_timestamp, default_storage_engine, transaction_isolation, "
         "foreign_key_checks, ...)", Severity.HIGH),
        ("other variable", Severity.MEDIUM),
        ("hardware-sized, cache and logging variable; variable missing or extra", Severity.LOW),
        ("database, table, column, view, routine, trigger or event missing from the candidate",
         Severity.HIGH),
        ("any object only in the candidate, except a unique index, foreign key, check or trigger",
         Severity.MEDIUM),
        ("database charset or collation; table engine, charset, collation, partitioning", Severity.HIGH),
        ("column type, nullability, default, ON UPDATE, generated expression, charset, collation, "
         "auto_increment, invisible", Severity.HIGH),
        ("primary key, unique index, foreign key or check missing, extra or changed", Severity.HIGH),
        ("other index missing, extra or changed; table row format or options", Severity.MEDIUM),
        ("index, foreign key or check renamed (same definition under another name)", Severity.INFO),
        ("view definition, security, check option; routine signature, body, security, sql_mode; "
         "trigger; event", Severity.HIGH),
        ("routine determinism or data access", Severity.MEDIUM),
        ("column order of a table", Severity.LOW),
        ("column order that changes only by added or removed columns", Severity.INFO),
        ("comment; definer (with `privileges = true`)", Severity.LOW),
        ("grants (with `privileges = true`)", Severity.MEDIUM),
    )

    @classmethod
    def interrupt(cls) -> None:
        """End, on the server, every session the probe has open, in whatever thread it runs."""
        if "probes.mysql.session" in sys.modules:  # else no session was ever opened
            from probes.mysql.session import cancel_all

            cancel_all()

    def collect(self) -> ProbeResult:
        """Read the server; faults become a ProbeError naming the probe and environment."""
        from probes.mysql.collect import Catalog, Request
        from probes.mysql.schema import Scope
        from probes.mysql.session import MysqlFault, Session, parse_dsn

        opts = self.options
        tools = migrations.wanted(opts["migrations"])
        try:
            database = parse_dsn(opts["dsn"]).database
            scope = Scope(tuple(opts["schemas"]), tuple(opts["exclude_schemas"]),
                          tuple(opts["exclude_tables"]), bool(opts["privileges"]), database)
            session = Session.open(opts)
            try:
                request = Request(scope, tuple(opts["exclude_variables"]), tools,
                                  data_options.parse(opts["data"]))
                catalog = Catalog(session, request, self.context.secrets)
                data = catalog.read()
                gaps = catalog.gaps
            finally:
                session.close()
        except MysqlFault as exc:
            raise ProbeError(self._mask(f"mysql probe {self.name!r}, environment "
                                        f"{self.context.environment!r}: {exc}")) from None
        return ProbeResult(data, tuple(Gap(g.object, self._mask(g.message), g.segments) for g in gaps))

    def _mask(self, text: str) -> str:
        from probes.mysql.session import MysqlFault, parse_dsn

        try:
            password = parse_dsn(self.options["dsn"]).password
        except MysqlFault:
            password = ""
        written = written_credentials(str(self.options["dsn"]))  # a password a parser cut: its pieces
        return mask_text(text, [password, *written] if password else written)

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge a change by where it is; see `probes.mysql.severity`."""
        return severity.assess(change, reference, candidate)
