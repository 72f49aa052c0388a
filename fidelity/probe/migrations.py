"""Migration tools: find their history tables, read what each has applied, judge the differences.

Data below `migrations/<tool>`:

* tools that keep every applied migration: `applied/<id>` = checksum (or null), and
  `dirty` where the tool records failures;
* tools that keep only the current head (alembic, golang-migrate): `head`, and `dirty`
  for golang-migrate.

A tool found in several schemas is keyed `<tool>@<schema>`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.probe import Change, DiffChange, Severity


@dataclass(frozen=True)
class Tool:
    """One migration tool and how to read its history table."""

    name: str
    """Key below `migrations/`, and the name the `migrations` option accepts."""
    table: str
    """History table name, as PostgreSQL stores it (lower case)."""
    query: str
    """SELECT returning id, checksum, failed; `{table}` is the quoted table."""
    columns: frozenset[str]
    """Columns that must exist for a table to count as this tool's."""
    heads_only: bool = False
    """The table holds the current head, not the history."""
    tracks_failures: bool = False
    """The tool records failed or half-applied migrations."""


TOOLS = (
    Tool("alembic", "alembic_version",
         "SELECT version_num AS id, NULL AS checksum, false AS failed FROM {table}",
         frozenset({"version_num"}), heads_only=True),
    Tool("golang-migrate", "schema_migrations",
         "SELECT version::text AS id, NULL AS checksum, dirty AS failed FROM {table}",
         frozenset({"version", "dirty"}), heads_only=True, tracks_failures=True),
    Tool("schema_migrations", "schema_migrations",
         "SELECT version::text AS id, NULL AS checksum, false AS failed FROM {table} ORDER BY 1",
         frozenset({"version"})),
    Tool("django", "django_migrations",
         "SELECT app || '.' || name AS id, NULL AS checksum, false AS failed FROM {table} ORDER BY id",
         frozenset({"app", "name"})),
    Tool("flyway", "flyway_schema_history",
         "SELECT coalesce(version, 'R:' || description) AS id, checksum::text AS checksum, "
         "NOT success AS failed FROM {table} ORDER BY installed_rank",
         frozenset({"version", "description", "checksum", "success", "installed_rank"}),
         tracks_failures=True),
    Tool("prisma", "_prisma_migrations",
         "SELECT migration_name AS id, checksum, finished_at IS NULL AS failed FROM {table} "
         "WHERE rolled_back_at IS NULL ORDER BY started_at",
         frozenset({"migration_name", "checksum", "finished_at", "rolled_back_at", "started_at"}),
         tracks_failures=True),
    Tool("knex", "knex_migrations",
         "SELECT name AS id, NULL AS checksum, false AS failed FROM {table} ORDER BY id",
         frozenset({"id", "name"})),
    Tool("liquibase", "databasechangelog",
         "SELECT id || '::' || author || '::' || filename AS id, md5sum AS checksum, "
         "exectype = 'FAILED' AS failed FROM {table} ORDER BY orderexecuted",
         frozenset({"id", "author", "filename", "md5sum", "exectype", "orderexecuted"}),
         tracks_failures=True),
    Tool("atlas", "atlas_schema_revisions",
         "SELECT version AS id, hash AS checksum, coalesce(error, '') <> '' OR applied < total AS failed "
         "FROM {table} ORDER BY version",
         frozenset({"version", "hash", "error", "applied", "total"}), tracks_failures=True),
)
TOOL_NAMES = tuple(tool.name for tool in TOOLS)
TABLE_NAMES = tuple(sorted({tool.table for tool in TOOLS}))


def identify(table: str, columns: Iterable[str], wanted: Sequence[str]) -> Tool | None:
    """The tool whose history table this is, if it is one of `wanted`."""
    present = set(columns)
    return next((t for t in TOOLS if t.table == table and t.columns <= present and t.name in wanted), None)


def summarise(tool: Tool, rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A tool's rows as snapshot data: its head, or its applied set, and `dirty`."""
    rows = list(rows)
    data: dict[str, Any]
    if tool.heads_only:
        data = {"head": ", ".join(sorted(str(r["id"]) for r in rows)) or None}
    else:
        data = {"applied": {str(r["id"]): r["checksum"] for r in rows if not r["failed"]}}
    if tool.tracks_failures:
        data["dirty"] = any(bool(r["failed"]) for r in rows)
    return data


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
