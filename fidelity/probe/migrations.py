"""Migration tools: find their history tables, read what each has applied, judge the differences.

Shared by the database probes: each lists the tables named in TABLE_NAMES, asks `identify`
which tool keeps each, selects the tool's `columns` (quoted in its own dialect) and hands
the rows to `summarise`. So every database reads the same tools the same way.

Data below `migrations/<tool>`:

* tools that keep every applied migration: `applied/<id>` = checksum (or null), and
  `dirty` where the tool records failures;
* tools that keep only the current head (alembic, golang-migrate): `head`, and `dirty`
  for golang-migrate.

A tool found in several schemas is keyed `<tool>@<schema>`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.model import Change, DiffChange, Severity

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """One row of a history table, as every tool's rows are compared."""

    id: str
    """The migration's name or version."""
    checksum: str | None
    """What the tool recorded of its content, or None."""
    failed: bool
    """The migration failed or is half-applied."""
    order: tuple[Any, ...] = ()
    """Where the tool says the row comes in its history."""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _flag(value: Any) -> bool:
    """A boolean as a database returns it: true/false, or 1/0 where booleans are integers."""
    return bool(value) and value not in ("0", b"\x00")


@dataclass(frozen=True)
class Tool:
    """One migration tool and how to read its history table."""

    name: str
    """Key below `migrations/`, and the name the `migrations` option accepts."""
    table: str
    """History table name (lower case; matched without regard to case)."""
    columns: frozenset[str]
    """Columns (lower case) that must exist for a table to count as this tool's; all are read."""
    entry: Callable[[Row], Entry | None]
    """A row (keyed by lower-case column names) as an entry; None for a row the tool has undone."""
    heads_only: bool = False
    """The table holds the current head, not the history."""
    tracks_failures: bool = False
    """The tool records failed or half-applied migrations."""


def _flyway(r: Row) -> Entry:
    version = _text(r["version"])
    return Entry(version if version is not None else f"R:{r['description']}", _text(r["checksum"]),
                 not _flag(r["success"]), (r["installed_rank"],))


def _prisma(r: Row) -> Entry | None:
    if r["rolled_back_at"] is not None:
        return None
    return Entry(str(r["migration_name"]), _text(r["checksum"]), r["finished_at"] is None,
                 (str(r["started_at"]),))


def _liquibase(r: Row) -> Entry:
    return Entry(f"{r['id']}::{r['author']}::{r['filename']}", _text(r["md5sum"]), r["exectype"] == "FAILED",
                 (r["orderexecuted"],))


def _atlas(r: Row) -> Entry:
    failed = bool(r["error"]) or int(r["applied"]) < int(r["total"])
    return Entry(str(r["version"]), _text(r["hash"]), failed)


TOOLS = (
    Tool("alembic", "alembic_version", frozenset({"version_num"}),
         lambda r: Entry(str(r["version_num"]), None, False), heads_only=True),
    Tool("golang-migrate", "schema_migrations", frozenset({"version", "dirty"}),
         lambda r: Entry(str(r["version"]), None, _flag(r["dirty"])), heads_only=True, tracks_failures=True),
    Tool("schema_migrations", "schema_migrations", frozenset({"version"}),
         lambda r: Entry(str(r["version"]), None, False)),
    Tool("django", "django_migrations", frozenset({"app", "name"}),
         lambda r: Entry(f"{r['app']}.{r['name']}", None, False)),
    Tool("flyway", "flyway_schema_history",
         frozenset({"version", "description", "checksum", "success", "installed_rank"}), _flyway,
         tracks_failures=True),
    Tool("prisma", "_prisma_migrations",
         frozenset({"migration_name", "checksum", "finished_at", "rolled_back_at", "started_at"}), _prisma,
         tracks_failures=True),
    Tool("knex", "knex_migrations", frozenset({"id", "name"}), lambda r: Entry(str(r["name"]), None, False)),
    Tool("liquibase", "databasechangelog",
         frozenset({"id", "author", "filename", "md5sum", "exectype", "orderexecuted"}), _liquibase,
         tracks_failures=True),
    Tool("atlas", "atlas_schema_revisions", frozenset({"version", "hash", "error", "applied", "total"}),
         _atlas, tracks_failures=True),
)
TOOL_NAMES = tuple(tool.name for tool in TOOLS)
TABLE_NAMES = tuple(sorted({tool.table for tool in TOOLS}))


def identify(table: str, columns: Iterable[str], wanted: Sequence[str]) -> Tool | None:
    """The tool whose history table this is, if it is one of `wanted` (names compared without case:
    Liquibase writes DATABASECHANGELOG on MySQL)."""
    present = {c.lower() for c in columns}
    name = table.lower()
    return next((t for t in TOOLS if t.table == name and t.columns <= present and t.name in wanted), None)


def selected(tool: Tool, columns: Iterable[str]) -> list[str]:
    """The table's own spelling of the columns to read, in a fixed order (the caller quotes them)."""
    spelt = {c.lower(): c for c in columns}
    return [spelt[c] for c in sorted(tool.columns)]


def summarise(tool: Tool, rows: Iterable[Row]) -> dict[str, Any]:
    """A tool's rows (keyed by column names in any case) as snapshot data: its head, or its applied set,
    and `dirty`."""
    entries = [e for row in rows if (e := tool.entry({str(k).lower(): v for k, v in row.items()}))]
    entries.sort(key=lambda e: (e.order, e.id))
    data: dict[str, Any]
    if tool.heads_only:
        data = {"head": ", ".join(sorted(e.id for e in entries)) or None}
    else:
        data = {"applied": {e.id: e.checksum for e in entries if not e.failed}}
    if tool.tracks_failures:
        data["dirty"] = any(e.failed for e in entries)
    return data


def key(tool: Tool, schema: str, found: Iterable[Tool]) -> str:
    """The key of a tool's data: its name, or `<tool>@<schema>` when it is found in several schemas."""
    return tool.name if sum(t.name == tool.name for t in found) == 1 else f"{tool.name}@{schema}"


def _applied(tree: Any, tool: str) -> dict[str, Any]:
    part = tree.get("migrations", {}).get(tool, {}) if isinstance(tree, dict) else {}
    applied = part.get("applied") if isinstance(part, dict) else None
    return applied if isinstance(applied, dict) else {}


def assess(change: DiffChange, reference: Any, candidate: Any) -> tuple[Severity, str] | None:
    """Severity and message for a change below `migrations/`, or None for the generic rules."""
    segments = change.segments
    if len(segments) == 4 and segments[2] == "applied":
        tool, name = segments[1], segments[3]
        ref, cand = _applied(reference, tool), _applied(candidate, tool)
        behind = sorted(set(ref) - set(cand))
        ahead = sorted(set(cand) - set(ref))
        if behind and ahead:
            return Severity.CRITICAL, (f"{tool}: migration histories have diverged: the candidate lacks "
                                       f"{_names(behind)} and has {_names(ahead)} that the reference lacks")
        if change.change is Change.MISSING:
            return Severity.HIGH, f"{tool}: migration {name} is applied in the reference, not the candidate"
        if change.change is Change.EXTRA:
            return Severity.INFO, f"{tool}: migration {name} is only in the candidate (release under test)"
        return Severity.MEDIUM, f"{tool}: migration {name} was applied from other content (checksum differs)"
    if len(segments) == 3 and segments[2] == "head" and change.change is Change.CHANGED:
        return Severity.MEDIUM, (f"{segments[1]}: migration head differs: reference {change.reference}, "
                                 f"candidate {change.candidate}")
    if len(segments) == 3 and segments[2] == "dirty":
        side = "candidate" if change.candidate else "reference"
        return Severity.HIGH, f"{segments[1]}: the {side} has a failed or half-applied migration (dirty)"
    return None


def _names(ids: list[str], most: int = 5) -> str:
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")
