"""Default severities and messages for `redis` findings: server, config, and (in `judge`) keyspace."""

from __future__ import annotations

from typing import Any

from fidelity.probe import (
    Assessment,
    Category,
    Change,
    DiffChange,
    Severity,
    describe_change,
    severity_rules,
)
from probes.redis import judge, settings

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW

#: (glob, missing, extra, changed), first match wins.
RULES: severity_rules.Rules = (
    ("server/product", H, H, H),
    ("server/mode", H, H, H),
    ("server/version/major", H, H, H),
    ("server/version/minor", M, M, M),
    ("server/version/patch", L, L, L),
    ("server/modules/*", H, M, M),
    ("server/modules/**", M, M, M),
    ("server/cluster/slots_covered", H, H, H),
    ("config/*", L, L, M),
    ("**", M, M, M),
)

SEVERITY_NOTES: tuple[tuple[str, Severity], ...] = (
    ("server product (redis, valkey, keydb...), mode (standalone, sentinel, cluster), major version", H),
    ("server minor version", M),
    ("server patch version", L),
    ("module missing from the candidate", H),
    ("module only in the candidate; module version changed", M),
    ("cluster: whether every hash slot has a master (server/cluster/slots_covered)", H),
    ("cluster: number of master or replica nodes", M),
    ("setting that changes behaviour: maxmemory-policy, notify-keyspace-events, appendonly, appendfsync, "
     "save, timeout, databases, busy-reply-threshold (lua-time-limit), replica-read-only, ...", H),
    ("other setting (client-output-buffer-limit, tcp-keepalive, lfu-*, ...)", M),
    ("setting that follows the hardware or tunes performance (maxmemory, io-threads, hz, *-max-listpack-*, "
     "...); a setting on one side only", L),
    ("keyspace: a key pattern with ≥ 50% of the reference's keys missing from the candidate", H),
    ("keyspace: a key pattern on one side only with ≥ 5% of that side's keys", M),
    ("keyspace: ... with ≥ 1% of that side's keys", L),
    ("keyspace: a pattern's share of keys, or its share with a TTL, differs by ≥ 0.2", M),
    ("keyspace: ... differs by ≥ 0.05", L),
    ("keyspace: TTL on ≥ 50% of a pattern's reference keys and on none in the candidate", H),
    ("keyspace: a type of ≥ 50% of a pattern's reference keys absent from the candidate", H),
    ("keyspace: median memory size (or length) of a pattern moved by ≥ 2 orders of magnitude", H),
    ("keyspace: types, remaining TTLs, memory sizes or lengths at Jensen–Shannon distance ≥ 0.3", M),
    ("keyspace: ... at Jensen–Shannon distance ≥ 0.1; encodings at ≥ 0.1; memory sizes that differ with the "
     "same median order of magnitude", L),
    ("keyspace: key counts (DBSIZE) ≥ 3 orders of magnitude apart", H),
    ("keyspace: key counts ≥ 2 orders of magnitude apart", L),
)


def category(segments: tuple[str, ...]) -> Category:
    """Server facts are dependencies, settings are config, the keyspace is data."""
    return {"server": Category.DEPENDENCY, "config": Category.CONFIG}.get(segments[0], Category.DATA)




def describe(change: DiffChange) -> str:
    """A one-line message naming the setting or server fact."""
    segments = change.segments
    if segments[0] == "config" and len(segments) == 2:
        if change.change is Change.CHANGED:
            return (f"setting {segments[1]}: {settings.describe(change.reference)} → "
                    f"{settings.describe(change.candidate)}")
        side = "reference" if change.change is Change.MISSING else "candidate"
        return f"setting {segments[1]} only in the {side} (another server version?)"
    if segments[:2] == ("server", "modules") and len(segments) == 3 and change.change is not Change.CHANGED:
        side = "reference" if change.change is Change.MISSING else "candidate"
        return f"module {segments[2]} is loaded only in the {side}"
    return describe_change(change)


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Severity, category and message for one change."""
    segments = change.segments
    if segments[0] == "keyspace":
        return judge.assess(change, reference, candidate)
    severity = severity_rules.rule_severity(RULES, segments, change.change)
    if segments[0] == "config" and len(segments) == 2 and change.change is Change.CHANGED:
        severity = settings.severity(segments[1])
    return Assessment(severity, category(segments), describe(change))
