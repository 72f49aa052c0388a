"""A third-party fidelity probe: the schema of a SQLite database file, read-only.

Finding paths below the probe name::

    user_version
    tables/<table>/columns/<column>/type|notnull|default|pk
    tables/<table>/indexes/<index>/unique|origin|partial|columns

Table, column and index names are data (dict keys), never SQL: every catalog query
takes them as bound parameters, so a name like ``a/b"c<script>`` is just a key.
"""

from __future__ import annotations

import fnmatch
import sqlite3
import urllib.parse
from contextlib import closing
from pathlib import Path
from typing import Any

from fidelity.probe import (
    API_VERSION,
    Assessment,
    Category,
    Change,
    DiffChange,
    Gap,
    Kind,
    Option,
    Probe,
    ProbeError,
    ProbeResult,
    Severity,
    one_line,
)

SUPPORTED_API = 1
if API_VERSION != SUPPORTED_API:  # a bump means a breaking change: refuse rather than misbehave
    raise ImportError(f"fidelity-probe-sqlite supports fidelity probe API {SUPPORTED_API}, "
                      f"this fidelity has API {API_VERSION}; install a release made for it")

_KINDS = {"columns": "column", "indexes": "index"}
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


class SqliteProbe(Probe):
    """Reads tables, columns, indexes and `PRAGMA user_version` of one SQLite file, read-only."""

    type_name = "sqlite"
    category = Category.SCHEMA
    description = "SQLite database schema: tables, columns, indexes, user_version (read-only)"
    option_schema = (
        Option("path", Kind.STRING, "database file; {env} is the environment's name", required=True,
               path=True),
        Option("exclude_tables", Kind.STRING_LIST, "globs of table names to leave out", default=[]),
    )
    severity_notes = (
        ("a table, column or index missing from the candidate", Severity.HIGH),
        ("a column's declared type changed", Severity.HIGH),
        ("a table, column or index only in the candidate", Severity.MEDIUM),
        ("user_version changed", Severity.MEDIUM),
    )

    def collect(self) -> ProbeResult:
        """Open the file read-only; a table that cannot be described becomes a gap."""
        path = str(self.options["path"])
        if not Path(path).is_file():
            raise ProbeError(f"{path}: no such database file; check `path`")
        # mode=ro: SQLite itself refuses to write. Quote the path: '?' or '#' in it would end the URI.
        uri = f"file:{urllib.parse.quote(path)}?mode=ro"
        try:
            with closing(sqlite3.connect(uri, uri=True)) as db:
                db.execute("PRAGMA query_only = ON")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                names = [row[0] for row in db.execute(_TABLES)]
                tables: dict[str, Any] = {}
                gaps: list[Gap] = []
                for name in sorted(names):
                    if any(fnmatch.fnmatchcase(name, glob) for glob in self.options["exclude_tables"]):
                        continue
                    try:
                        tables[name] = _table(db, name)
                    except sqlite3.Error as exc:
                        gaps.append(Gap(object=f"table {name!r} in {path}", segments=("tables", name),
                                        message=one_line(f"cannot describe it: {exc}")))
        except sqlite3.Error as exc:
            raise ProbeError(one_line(f"{path}: cannot read it as a SQLite database: {exc}")) from None
        return ProbeResult(data={"user_version": version, "tables": tables}, gaps=tuple(gaps))

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """A changed column type is high; tables get their own messages; the rest uses the defaults."""
        seg = change.segments
        if len(seg) == 5 and seg[2] == "columns" and seg[4] == "type" and change.change is Change.CHANGED:
            return Assessment(Severity.HIGH, cls.category, f"column {seg[3]} of table {seg[1]} changed "
                              f"type from {change.reference!r} to {change.candidate!r}")
        where = "missing from" if change.change is Change.MISSING else "only in"
        if len(seg) == 2 and seg[0] == "tables" and change.change is not Change.CHANGED:
            return Assessment(cls.severities[change.change], cls.category,
                              f"table {seg[1]} is {where} the candidate")
        if len(seg) == 4 and seg[2] in _KINDS and change.change is not Change.CHANGED:
            return Assessment(cls.severities[change.change], cls.category,
                              f"{_KINDS[seg[2]]} {seg[3]} of table {seg[1]} is {where} the candidate")
        return super().assess(change, reference, candidate)


def _table(db: sqlite3.Connection, table: str) -> dict[str, Any]:
    """Columns and indexes of one table; names go in as bound parameters, never into the SQL text."""
    columns = {
        name: {"type": " ".join(decl.split()).upper(), "notnull": bool(notnull), "default": default,
               "pk": pk}
        for _cid, name, decl, notnull, default, pk
        in db.execute("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)",
                      (table,))
    }
    if not columns:  # pragma_table_info is silently empty when it cannot read the table
        raise sqlite3.DatabaseError("no columns could be read")
    indexes: dict[str, Any] = {}
    for _seq, name, unique, origin, partial in db.execute(
            "SELECT seq, name, \"unique\", origin, partial FROM pragma_index_list(?)", (table,)):
        cols = [col for _rank, col in db.execute(
            "SELECT seqno, name FROM pragma_index_info(?) ORDER BY seqno", (name,))]
        indexes[name] = {"unique": bool(unique), "origin": origin, "partial": bool(partial),
                         "columns": cols}
    return {"columns": columns, "indexes": indexes}
