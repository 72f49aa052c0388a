"""Default severities and messages for `mysql` findings.

The rule is the postgres probe's (docs/probes/postgres.md, "Default severities"): a difference
that makes the same statement behave differently (accept or reject rows, return or store other
values, compare text differently, cascade differently) is high; one in performance only (an
index, an engine's row format) is medium; a cosmetic one (comment, column order) is low. An
object only in the candidate is medium, except what rejects or rewrites rows there (a unique
index, a foreign key, a check, a trigger). Comparing a MariaDB with a MySQL is critical.
"""

from __future__ import annotations

from typing import Any

from fidelity.probe import Assessment, Category, Change, DiffChange, Severity, migrations, severity_rules
from fidelity.probe.shape import judge
from probes.mysql import variables

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: (glob, missing, extra, changed), most specific first.
RULES: severity_rules.Rules = (
    ("server/flavour", C, C, C),
    ("server/version/major", H, H, H),
    ("server/version/minor", M, M, M),
    ("server/**", L, L, L),
    ("plugins/*", H, M, M),
    ("plugins/*/status", H, H, H),
    ("plugins/*/*", L, L, L),
    ("components/*", H, M, M),
    ("migrations/*", H, M, M),
    ("variables/sql_mode/*", H, H, H),
    ("variables/*", L, L, M),
    ("schema/**/comment", L, L, L),
    ("schema/**/definer", L, L, L),
    ("schema/**/privileges/**", M, M, M),
    ("schema/*/charset", H, H, H),
    ("schema/*/collation", H, H, H),
    ("schema/*/tables/*/column_order", L, L, L),
    ("schema/*/tables/*/engine", H, H, H),
    ("schema/*/tables/*/row_format", M, M, M),
    ("schema/*/tables/*/options", M, M, M),
    ("schema/*/tables/*/partitioning/**", H, H, H),
    ("schema/*/tables/*/columns/*/invisible", H, H, H),
    ("schema/*/tables/*/columns/*/*", H, H, H),
    ("schema/*/tables/*/foreign_keys/*", H, H, H),
    ("schema/*/tables/*/checks/*", H, H, H),
    ("schema/*/tables/*/indexes/*", M, M, M),
    ("schema/*/tables/*/*", H, H, H),
    ("schema/*/triggers/*", H, H, H),
    ("schema/*/triggers/*/*", H, H, H),
    ("schema/*/views/*/*", H, H, H),
    ("schema/*/functions/*/deterministic", M, M, M),
    ("schema/*/procedures/*/deterministic", M, M, M),
    ("schema/*/*/*/data_access", M, M, M),
    ("schema/*/functions/*/*", H, H, H),
    ("schema/*/procedures/*/*", H, H, H),
    ("schema/*/events/*/*", H, H, H),
    ("**", H, M, M),
)
GROUPS = {"tables": "table", "views": "view", "functions": "function", "procedures": "procedure",
          "triggers": "trigger", "events": "event"}
PARTS = {"columns": "column", "indexes": "index", "foreign_keys": "foreign key", "checks": "check"}


def category(segments: tuple[str, ...]) -> Category:
    """Server, plugins and components are dependencies, variables are config, the rest is schema."""
    head = segments[0] if segments else ""
    if head in ("server", "plugins", "components"):
        return Category.DEPENDENCY
    return Category.CONFIG if head == "variables" else Category.SCHEMA


def label(segments: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The object a path names ('column app.users.email') and the attribute path below it."""
    head, rest = segments[0], segments[1:]
    if head == "schema" and len(rest) >= 3 and rest[1] in GROUPS:
        schema, group, name, below = rest[0], rest[1], rest[2], rest[3:]
        if len(below) >= 2 and below[0] in PARTS:
            noun = PARTS[below[0]]
            where = f"{schema}.{name}.{below[1]}" if noun == "column" else f"{below[1]} on {schema}.{name}"
            return f"{noun} {where}", below[2:]
        return f"{GROUPS[group]} {schema}.{name}", below
    if head in ("schema", "plugins", "components", "variables") and rest:
        kind = {"schema": "database", "plugins": "plugin", "components": "component",
                "variables": "variable"}[head]
        return f"{kind} {rest[0]}", rest[1:]
    if head == "migrations" and rest:
        return f"{rest[0]} migrations", rest[1:]
    return head, rest


def describe(change: DiffChange) -> str:
    """A one-line message naming the object."""
    return severity_rules.describe(change, label)


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity, category and message for one change."""
    segments = change.segments
    if segments[0] in ("data", "data_key"):
        return judge.assess(change, reference, candidate)
    special = _special(change, reference, candidate)
    if special is not None:
        return Assessment(special[0], category(segments), special[1])
    severity = severity_rules.rule_severity(RULES, segments, change.change)
    if segments[0] == "variables" and len(segments) == 2 and change.change is Change.CHANGED:
        severity = variables.severity(segments[1])
    return Assessment(severity, category(segments), describe(change))


def _special(change: DiffChange, reference: Any, candidate: Any) -> tuple[Severity | None, str] | None:
    segments = change.segments
    what, _ = label(segments)
    if segments[0] == "migrations":
        return migrations.assess(change, reference, candidate)
    if segments == ("server", "flavour"):
        return C, (f"the reference runs {change.reference} and the candidate {change.candidate}: "
                   "a different database server, whose SQL, types and defaults differ")
    if segments[:2] == ("variables", "sql_mode") and len(segments) == 3:
        mode = segments[2]
        if change.change is Change.MISSING:
            return H, f"sql_mode: the candidate lacks {mode}, which the reference has"
        if change.change is Change.EXTRA:
            return H, f"sql_mode: the candidate adds {mode}, which the reference lacks"
    if len(segments) == 6 and segments[4] == "indexes":
        renamed = severity_rules.renamed(change, reference, candidate, what)
        if renamed is not None:
            return renamed
        if any(isinstance(v, str) and v.startswith(("UNIQUE", "PRIMARY")) for v in
               (change.reference, change.candidate)):
            return H, describe(change) + " (a unique index: rows accepted differ)"
    if len(segments) == 6 and segments[4] in ("foreign_keys", "checks"):
        renamed = severity_rules.renamed(change, reference, candidate, what)
        if renamed is not None:
            return renamed
    if len(segments) == 5 and segments[4] == "column_order" and change.change is Change.CHANGED:
        return severity_rules.order(change, what)
    return None
