"""Keyspace shape of one database: key patterns and, per pattern, type, encoding, TTL and size.

Keys are found with SCAN (never KEYS) within a budget of keys and seconds; SCAN walks the hash
table in bucket order, so the keys seen first are spread evenly over the keyspace and a budget
gives an unbiased sample. Up to `sample` of them, spread evenly over what was scanned, get TYPE,
OBJECT ENCODING, PTTL and MEMORY USAGE (pipelined). No value is ever read, and key names are
folded into patterns (`probes.redis.patterns`) before anything is kept.

Data below `keyspace/<slot>/` (`<slot>` is `db#1` for the first database in `db`, ...)::

    keys                      DBSIZE as an order of magnitude ("10k+")
    sample/scanned|sampled|complete
    patterns/<pattern>/share  share of the scanned keys
    patterns/<pattern>/types|encodings|ttl_left|memory     [[label, share], ...] of the sampled keys
    patterns/<pattern>/lengths    instead of memory where MEMORY USAGE is refused
    patterns/<pattern>/ttl    share of the sampled keys that have a TTL
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from fidelity.probe import Gap
from fidelity.probe.shape.scale import ROW_LABELS, SIZE_LABELS, fraction, magnitude
from probes.redis.options import KeysOptions
from probes.redis.patterns import OTHER, fold, shares
from probes.redis.server import text
from probes.redis.session import CommandFailed, Session

#: Keys per SCAN call at most (a hint to the server); less when the budget has less left.
SCAN_COUNT = 1000
#: Keys per pipelined round trip when reading types, encodings, TTLs and sizes.
CHUNK = 500
#: Where MEMORY USAGE is refused (an ACL, a managed service): the length of each type instead.
LENGTHS = {"string": "STRLEN", "list": "LLEN", "hash": "HLEN", "set": "SCARD", "zset": "ZCARD",
           "stream": "XLEN"}
#: Remaining time to live, in buckets a reader thinks in.
TTL_BUCKETS = ((60_000, "<1 min"), (3_600_000, "<1 h"), (86_400_000, "<1 day"), (604_800_000, "<1 week"))
LONG_TTL = "1 week+"


@dataclass(frozen=True)
class KeyFacts:
    """What is read about one sampled key (never its value)."""

    type: str
    """TYPE: string, list, hash, set, zset, stream, or a module type."""
    encoding: str
    """OBJECT ENCODING: listpack, hashtable, embstr, ... ("?" when refused)."""
    pttl: int
    """PTTL: milliseconds left, -1 without a TTL."""
    memory: int | None
    """MEMORY USAGE in bytes, None when refused."""
    length: int | None = None
    """Without MEMORY USAGE: STRLEN, LLEN, HLEN, SCARD, ZCARD or XLEN by type (None for other types)."""


def ttl_bucket(ms: int) -> str:
    """The bucket of a remaining time to live in milliseconds."""
    return next((label for bound, label in TTL_BUCKETS if ms < bound), LONG_TTL)


def histogram(labels: list[str]) -> list[list[Any]]:
    """[[label, share], ...] sorted by label: the form every histogram of the fingerprint takes."""
    counts = Counter(labels)
    return [[label, fraction(count, len(labels))] for label, count in sorted(counts.items())]


def scan(session: Session, options: KeysOptions) -> tuple[list[bytes], bool]:
    """Keys SCAN returns within the budget, and whether the whole keyspace was walked.

    Each call asks for what is left of `scan_keys` (at most SCAN_COUNT), so the budget caps the walk;
    COUNT is a hint, and the server may return a few more (a bucket's keys come together)."""
    seen: dict[bytes, None] = {}
    cursor, passes, deadline = options.seed, 0, time.monotonic() + options.scan_seconds
    while True:  # at least one call, however short the time budget
        count = min(SCAN_COUNT, max(1, options.scan_keys - len(seen)))
        cursor, keys = session.call("SCAN", cursor, "MATCH", options.match, "COUNT", count, what="SCAN")
        seen.update(dict.fromkeys(keys))
        cursor = int(cursor)
        if cursor == 0:
            passes += 1
            if options.seed == 0 or passes > 1:  # a seeded walk goes on from the start, once
                return list(seen), options.seed == 0
        if len(seen) >= options.scan_keys or time.monotonic() >= deadline:
            return list(seen), False


def evenly(keys: list[bytes], count: int) -> list[bytes]:
    if len(keys) <= count:
        return keys
    step = len(keys) / count
    return [keys[int(i * step)] for i in range(count)]


def describe(session: Session, keys: list[bytes]) -> dict[bytes, KeyFacts]:
    """The facts of each key still there."""
    found: dict[bytes, KeyFacts] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        commands: list[tuple[Any, ...]] = []
        for key in chunk:
            commands += [("TYPE", key), ("OBJECT", "ENCODING", key), ("PTTL", key), ("MEMORY", "USAGE", key)]
        replies = session.pipeline(commands, "key types, TTLs and sizes")
        for i, key in enumerate(chunk):
            kind, encoding, pttl, memory = replies[4 * i:4 * i + 4]
            if isinstance(kind, Exception) or text(kind) == "none" or pttl == -2:
                continue  # expired or deleted between SCAN and now
            found[key] = KeyFacts(text(kind), "?" if isinstance(encoding, Exception) or encoding is None
                                  else text(encoding), int(pttl) if isinstance(pttl, int) else -1,
                                  memory if isinstance(memory, int) else None)
    return _lengths(session, found)


def _lengths(session: Session, found: dict[bytes, KeyFacts]) -> dict[bytes, KeyFacts]:
    """Where no MEMORY USAGE came back, each key's length by its type instead."""
    keys = [key for key, facts in found.items() if facts.memory is None and facts.type in LENGTHS]
    if not keys or any(facts.memory is not None for facts in found.values()):
        return found
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        replies = session.pipeline([(LENGTHS[found[key].type], key) for key in chunk], "key lengths")
        for key, length in zip(chunk, replies, strict=True):
            if isinstance(length, int):
                found[key] = replace(found[key], length=length)
    return found


def measures(facts: list[KeyFacts]) -> dict[str, Any]:
    """Type, encoding, TTL and size histograms of one pattern's sampled keys."""
    if not facts:
        return {}
    out: dict[str, Any] = {"types": histogram([f.type for f in facts]),
                           "encodings": histogram([f"{f.type}/{f.encoding}" for f in facts])}
    with_ttl = [f.pttl for f in facts if f.pttl >= 0]
    out["ttl"] = fraction(len(with_ttl), len(facts))
    if with_ttl:
        out["ttl_left"] = histogram([ttl_bucket(ms) for ms in with_ttl])
    memory = [f.memory for f in facts if f.memory is not None]
    if memory:
        out["memory"] = histogram([magnitude(m, SIZE_LABELS) for m in memory])
    lengths = [f.length for f in facts if f.length is not None]
    if lengths and not memory:
        out["lengths"] = histogram([magnitude(n, ROW_LABELS) for n in lengths])
    return out


def read_keyspace(session: Session, options: KeysOptions) -> dict[str, Any]:
    """The fingerprint of one database."""
    size = session.call("DBSIZE", what="DBSIZE")
    keys, complete = scan(session, options)
    sampled = describe(session, evenly(keys, options.sample))
    patterns = fold(keys)
    return fingerprint(patterns, shares(patterns.values()), sampled, int(size), len(keys), complete)


def fingerprint(patterns: Mapping[bytes, str], counts: Mapping[str, float], sampled: Mapping[bytes, KeyFacts],
                size: int, scanned: int, complete: bool) -> dict[str, Any]:
    """A database's fingerprint from the pattern of each scanned key, the keys (or weight) per pattern
    (`patterns.capped`: the rest under `<other>`), and the facts of the sampled keys."""
    merged = {pattern: pattern if pattern in counts else OTHER for pattern in set(patterns.values())}
    per: defaultdict[str, list[KeyFacts]] = defaultdict(list)
    for key, facts in sampled.items():
        per[merged[patterns[key]]].append(facts)
    whole = sum(counts.values())
    tree = {pattern: {"share": fraction(count, whole), **measures(per.get(pattern, []))}
            for pattern, count in counts.items()}
    return {"keys": magnitude(size, ROW_LABELS),
            "sample": {"scanned": scanned, "sampled": len(sampled), "complete": complete},
            "patterns": tree}


def read_keyspaces(sessions: dict[str, Session], options: KeysOptions) -> tuple[dict[str, Any], list[Gap]]:
    """Every database's fingerprint, keyed by slot; a database whose SCAN is refused is a gap."""
    tree: dict[str, Any] = {}
    gaps: list[Gap] = []
    for slot, session in sessions.items():
        try:
            tree[slot] = read_keyspace(session, options)
        except CommandFailed as exc:
            gaps.append(Gap(f"keyspace {slot}", f"the keyspace could not be read: {exc}", ("keyspace", slot)))
    return tree, gaps
