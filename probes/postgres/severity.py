"""Default severities and messages for `postgres` findings.

`RULES` maps path globs (below the probe name) to the severity of a missing, an extra
and a changed value; the first matching rule wins. A few findings need both trees:
renamed indexes and constraints, column order, enum labels, migrations, extensions.
"""

from __future__ import annotations

from typing import Any

from fidelity.probe import (
    Assessment,
    Category,
    Change,
    DiffChange,
    Severity,
    migrations,
    paths,
    severity_rules,
)
from fidelity.probe.severity_rules import show
from fidelity.probe.shape import judge as data_severity
from probes.postgres import settings, versions

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: (glob, missing, extra, changed), most specific first. One rule decides them
#: (docs/probes/postgres.md, "Default severities"): a difference that makes the same statement
#: behave differently (accept or reject rows, return other rows or values, order or compare text
#: differently, cascade differently) is high; one in performance only (an index, a planner hint)
#: is medium; a cosmetic one (comment, owner, column order) is low. An object only in the
#: candidate is medium: no statement that runs in the reference behaves differently for it.
RULES: severity_rules.Rules = (
    ("server/version/major", H, H, H),
    ("server/version/minor", M, M, M),
    ("server/locale/**", H, H, H),
    ("server/**", L, L, L),
    ("extensions/*", H, M, M),
    ("extensions/*/default_version", L, L, L),
    ("settings/*", L, L, M),
    ("schema/**/comment", L, L, L),
    ("schema/**/owner", L, L, L),
    ("schema/**/privileges/**", M, M, M),
    ("schema/*/tables/*/kind", H, H, H),
    ("schema/*/tables/*/row_security", H, H, H),
    ("schema/*/tables/*/column_order", L, L, L),
    ("schema/*/tables/*/persistence", M, M, M),
    ("schema/*/tables/*/partition_*", H, H, H),
    ("schema/*/tables/*/inherits", H, H, H),
    ("schema/*/tables/*/columns/*/origin", L, L, L),
    ("schema/*/tables/*/columns/*/*", H, H, H),
    ("schema/*/tables/*/policies/*", H, H, H),
    ("schema/*/tables/*/policies/*/*", H, H, H),
    ("schema/*/*/*/constraints/*", H, H, H),
    ("schema/*/*/*/triggers/*", H, H, H),
    ("schema/*/*/*/indexes/*", M, M, M),
    ("schema/*/views/*/kind", H, H, H),
    ("schema/*/views/*/definition", H, H, H),
    ("schema/*/views/*/options", H, H, H),
    ("schema/*/views/*/options/*", H, H, H),
    ("schema/*/functions/*/volatility", M, M, M),
    ("schema/*/functions/*/parallel", M, M, M),
    ("schema/*/functions/*/language", M, M, M),
    ("schema/*/functions/*/*", H, H, H),
    ("schema/*/sequences/*/start", M, M, M),
    ("schema/*/sequences/*/owned_by", M, M, M),
    ("schema/*/sequences/*/*", H, H, H),
    ("schema/*/domains/*/*", H, H, H),
    ("schema/*/domains/*/constraints/*", H, H, H),
    ("schema/*/types/*/attributes/*", H, M, H),
    ("schema/*/types/*/attribute_order", L, L, L),
    ("schema/*/collations/*/*", H, H, H),
    ("migrations/*", H, M, M),
    ("**", H, M, M),
)
#: Object groups and per-table parts, as messages name them.
GROUPS = {"tables": "table", "views": "view", "functions": "function", "sequences": "sequence",
          "enums": "enum", "domains": "domain", "types": "type", "collations": "collation"}
PARTS = {"constraints": "constraint", "indexes": "index", "triggers": "trigger", "policies": "policy"}


def category(segments: tuple[str, ...]) -> Category:
    """Server and extensions are dependencies, settings are config, the rest is schema."""
    head = segments[0] if segments else ""
    if head in ("server", "extensions"):
        return Category.DEPENDENCY
    return Category.CONFIG if head == "settings" else Category.SCHEMA


def label(segments: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """The object a path names ('column public.users.email') and the attribute path below it."""
    head, rest = segments[0], segments[1:]
    if head == "schema" and len(rest) >= 3 and rest[1] in GROUPS:
        schema, group, name, below = rest[0], rest[1], rest[2], rest[3:]
        if len(below) >= 2 and below[0] == "columns":
            return f"column {schema}.{name}.{below[1]}", below[2:]
        if len(below) >= 2 and below[0] in PARTS:
            return f"{PARTS[below[0]]} {below[1]} on {schema}.{name}", below[2:]
        return f"{GROUPS[group]} {schema}.{name}", below
    if head in ("schema", "extensions", "settings", "migrations") and rest:
        kind = {"schema": "schema", "extensions": "extension", "settings": "setting"}.get(head)
        return (f"{kind} {rest[0]}" if kind else f"{rest[0]} migrations"), rest[1:]
    return head, rest


def describe(change: DiffChange) -> str:
    """A one-line message naming the object."""
    return severity_rules.describe(change, label)


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity, category and message for one change."""
    segments = change.segments
    if segments[0] in ("data", "data_key"):
        return data_severity.assess(change, reference, candidate)
    special = _special(change, reference, candidate)
    if special is not None:
        severity, message = special
    else:
        severity = severity_rules.rule_severity(RULES, segments, change.change)
        if segments[0] == "settings" and change.change is Change.CHANGED:
            severity = settings.severity(segments[1])
        message = describe(change)
    covered = _covered(change, reference, candidate) if severity is not None else None
    if covered is not None:  # covered when a change it names is a finding (fidelity.diff.compare decides)
        note, by = covered
        return Assessment(severity, category(segments), message, covered_by=by, covered_note=note)
    return Assessment(severity, category(segments), message)


def _special(change: DiffChange, reference: Any, candidate: Any) -> tuple[Severity | None, str] | None:
    segments = change.segments
    if segments[0] == "migrations":
        return migrations.assess(change, reference, candidate)
    if segments[0] in ("server", "settings", "extensions"):
        reason = versions.explains(change, reference, candidate)
        if reason is not None and segments[0] == "settings" and change.change is Change.CHANGED:
            return settings.severity(segments[1]), f"{describe(change)}: {reason}"
        if reason is not None:
            return None, reason
        if segments == ("server", "version", "major"):
            return Severity.HIGH, describe(change) + versions.summary(reference, candidate)
    if len(segments) == 6 and segments[4] in ("indexes", "constraints"):
        renamed = _renamed(change, reference, candidate)
        if renamed is not None or segments[4] == "constraints":
            return renamed
        return _index(change)
    ordered = segments[-1] in ("column_order", "attribute_order")
    if len(segments) == 5 and segments[0] == "schema" and ordered and change.change is Change.CHANGED:
        return _order(change)
    if len(segments) == 5 and segments[2] == "enums" and segments[4] == "labels" \
            and change.change is Change.CHANGED:
        return _labels(change)
    if segments[0] == "extensions" and segments[-1] == "version" and change.change is Change.CHANGED:
        offered = paths.lookup(candidate, (*segments[:-1], "default_version"))
        pending = f"; the candidate offers {offered}: ALTER EXTENSION ... UPDATE is pending" \
            if offered not in (None, change.candidate) else ""
        return Severity.MEDIUM, describe(change) + pending
    return None


def _renamed(change: DiffChange, reference: Any, candidate: Any) -> tuple[Severity, str] | None:
    """Same definition under another name, on the same table: a rename, reported at info."""
    return severity_rules.renamed(change, reference, candidate, label(change.segments)[0])


def _index(change: DiffChange) -> tuple[Severity, str] | None:
    """A unique index accepts or rejects rows: high. Any other index is performance only (the rules)."""
    unique = any(isinstance(v, str) and v.startswith("CREATE UNIQUE INDEX")
                 for v in (change.reference, change.candidate))
    return (Severity.HIGH, describe(change) + " (a unique index: rows accepted differ)") if unique else None


def _parents(tree: Any, segments: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Paths of the parents of the table at `segments` (partition_of, inherits) in one tree:
    `schema.name` split where the tree has such a table."""
    table = paths.lookup(tree, segments)
    if not isinstance(table, dict):
        return []
    names = ([table["partition_of"]] if isinstance(table.get("partition_of"), str) else []) + \
        [n for n in table.get("inherits") or [] if isinstance(n, str)]
    found: list[tuple[str, ...]] = []
    for qualified in names:
        for i, char in enumerate(qualified):
            if char == "." and paths.lookup(tree, ("schema", qualified[:i], "tables", qualified[i + 1:])):
                found.append(("schema", qualified[:i], "tables", qualified[i + 1:]))
                break
    return found


Covering = tuple[str, tuple[tuple[str, ...], ...]]
"""The message of a covered change, and the changes that report its cause (`Assessment.covered_by`)."""


def _covered(change: DiffChange, reference: Any, candidate: Any) -> Covering | None:
    """One finding per cause: a change to an inherited column (a partition's, or an INHERITS child's)
    that its parent has too is reported once, at the parent, and the child's is covered (listed with
    status `covered`, out of the gate and the score, when the parent's change is a finding of the
    same diff: a rewrite may cancel it); the message names the parent. So are a child's column order
    that differs only by inherited columns, and the origin of its columns when the table's parents
    differ (the `inherits` finding)."""
    segments = change.segments
    if segments[0] != "schema" or len(segments) < 5 or segments[2] != "tables":
        return None
    table = segments[:4]
    what, _ = label(segments)
    if segments[4] == "columns" and len(segments) >= 6:
        nodes = (paths.lookup(reference, segments[:6]), paths.lookup(candidate, segments[:6]))
        if not any(isinstance(node, dict) and "origin" in node for node in nodes):
            return None
        below = segments[6:]
        if below == ("origin",) and any(
                paths.lookup(reference, (*table, key)) != paths.lookup(candidate, (*table, key))
                for key in ("inherits", "partition_of")):
            return (f"{what}: origin follows the table's parents, reported on the table",
                    ((*table, "inherits"), (*table, "partition_of")))
        for parent in _parents(reference, table) + _parents(candidate, table):
            ref = paths.lookup(reference, (*parent, "columns", segments[5], *below))
            cand = paths.lookup(candidate, (*parent, "columns", segments[5], *below))
            if below:
                same = (ref, cand) == (change.reference, change.candidate)
            else:  # the column itself is missing or extra at the parent too
                same = (ref is None, cand is None) == (change.reference is None, change.candidate is None)
            if same and ref != cand:
                return (f"{what}: covered by the same change at its parent {parent[1]}.{parent[3]}",
                        ((*parent, "columns", segments[5], *below),))
        return None
    if len(segments) == 5 and segments[4] == "column_order" and change.change is Change.CHANGED:
        ref_order, cand_order = list(change.reference), list(change.candidate)
        common = set(ref_order) & set(cand_order)
        if [c for c in ref_order if c in common] != [c for c in cand_order if c in common]:
            return None
        differing = sorted((set(ref_order) | set(cand_order)) - common)
        for name in differing:
            node = (paths.lookup(reference, (*table, "columns", name))
                    or paths.lookup(candidate, (*table, "columns", name)))
            if not isinstance(node, dict) or node.get("origin") != "inherited":
                return None
        parents = dict.fromkeys(_parents(reference, table) + _parents(candidate, table))
        return (f"{what}: column order differs only by columns its parent adds or removes",
                tuple((*parent, "columns", name) for parent in parents for name in differing))
    return None


def _order(change: DiffChange) -> tuple[Severity, str]:
    return severity_rules.order(change, label(change.segments)[0])


def _labels(change: DiffChange) -> tuple[Severity, str]:
    ref, cand = list(change.reference), list(change.candidate)
    what, _ = label(change.segments)
    lacking = [x for x in ref if x not in cand]
    if lacking:
        return Severity.HIGH, f"{what}: the candidate lacks label(s) {show(lacking)}"
    kept = [x for x in cand if x in ref]
    if kept != ref:  # ORDER BY and < > on the enum give other results
        return Severity.HIGH, (f"{what}: label order {show(ref)} → {show(kept)}: values of the enum sort "
                               "and compare differently")
    added = [x for x in cand if x not in ref]
    return Severity.MEDIUM, f"{what}: the candidate adds label(s) {show(added)}"
