"""Redis Cluster: find the master nodes (CLUSTER NODES) and read each as its own server, read-only.

With `cluster = true` the node in `url` is asked for the cluster's nodes; every master is then opened
with the URL's scheme, user and password at the address the cluster announces for it, with the same
timeouts and command allow list as a single server. Replicas are counted but not read: they hold
copies of their master's keys and normally its settings.

What the masters say is merged into one tree, so that two clusters compare whatever their node
addresses and node order:

- a value every master agrees on is kept as it is; a value the masters disagree on (a setting changed
  on one master, a version mid-upgrade) becomes ``differs between nodes: a on 2, b on 1`` (values
  sorted, ``(unset)`` where a master lacks it, ``""`` for an empty value), and a warning names the nodes;
- ``server/cluster/masters | replicas | slots_covered``: the counts of master and replica nodes, and
  whether every one of the 16384 hash slots is assigned to a master;
- the keyspace of each database: DBSIZE summed over the masters; the SCAN budget (keys and seconds) and
  the sample are shared out between the masters in proportion to their DBSIZE, and a pattern's share
  weighs each master's scanned keys by the keys it holds (each key lives on one master), so shares
  are the whole cluster's.

A master that cannot be read (refused, timed out, authentication) is a gap naming it by host:port; the
other masters are still read, and the keyspace is then not compared (its counts and shares lack that
master's keys).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from fidelity.probe import Gap, ProbeWarning
from probes.redis.config import read_config
from probes.redis.keyspace import KeyFacts, describe, evenly, fingerprint, scan
from probes.redis.options import KeysOptions
from probes.redis.patterns import capped, fold
from probes.redis.server import read_server, text
from probes.redis.session import CommandFailed, RedisFault, Session, Timeouts
from probes.redis.topology import at_address

SLOTS = 16384
DIFFERS = "differs between nodes"
UNSET = "(unset)"


@dataclass(frozen=True)
class Node:
    """One node of the cluster, as CLUSTER NODES lists it."""

    host: str
    port: int
    master: bool
    slots: frozenset[int]

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _slots(fields: Sequence[str]) -> frozenset[int]:
    slots: set[int] = set()
    for field in fields:
        if field.startswith("["):  # a slot being imported or migrated: still its owner's
            continue
        first, _, last = field.partition("-")
        slots.update(range(int(first), int(last or first) + 1))
    return frozenset(slots)


def parse_nodes(reply: Any, default_host: str) -> list[Node]:
    """The nodes in a CLUSTER NODES reply; a node that announces no address yet is on `default_host`."""
    nodes = []
    for line in text(reply).splitlines():
        fields = line.split()
        if len(fields) < 8:
            continue
        flags = set(fields[2].split(","))
        if flags & {"handshake", "noaddr"}:
            continue
        address = fields[1].split("@")[0].split(",")[0]
        host, _, port = address.rpartition(":")
        nodes.append(Node(host.strip("[]") or default_host, int(port), "master" in flags, _slots(fields[8:])))
    return nodes


def discover(session: Session, default_host: str) -> list[Node]:
    """The cluster's nodes, asked of the node in `url`."""
    try:
        reply = session.call("CLUSTER", "NODES", what="CLUSTER NODES")
    except CommandFailed as exc:
        raise RedisFault(f"CLUSTER NODES failed ({exc}): the probe needs it to find the cluster's masters; "
                         "allow it for this user (+cluster|nodes), or remove `cluster` to read one node") \
            from None
    return parse_nodes(reply, default_host)


def _shown(value: Any) -> str:
    """A node's value in the marker: `(unset)` when missing, `""` when empty."""
    return UNSET if value is None else str(value) or '""'


def agree(values: dict[str, Any]) -> tuple[Any, bool]:
    """One value for what each node says: (the value, False) when all agree, else (the marker, True)."""
    distinct = Counter(_shown(v) for v in values.values())
    if len(distinct) == 1:
        return next(iter(values.values())), False
    parts = [f"{value} on {count}" for value, count in sorted(distinct.items())]
    return f"{DIFFERS}: {', '.join(parts)}", True


def merge(trees: dict[str, dict[str, Any]], where: tuple[str, ...] = ()) -> tuple[dict[str, Any],
                                                                                  list[ProbeWarning]]:
    """The trees of all nodes (keyed by address) as one: see the module's docstring."""
    out: dict[str, Any] = {}
    warnings: list[ProbeWarning] = []
    for key in sorted({k for tree in trees.values() for k in tree}):
        values = {node: tree.get(key) for node, tree in trees.items()}
        present = {node: value for node, value in values.items() if value is not None}
        if all(isinstance(v, dict) for v in present.values()):  # a node without it had a gap: no vote
            out[key], more = merge(present, (*where, key))
            warnings += more
            continue
        out[key], differs = agree(values)
        if differs:
            by_value: defaultdict[str, list[str]] = defaultdict(list)
            for node, value in values.items():
                by_value[_shown(value)].append(node)
            shown = "; ".join(f"{value} on {', '.join(nodes)}" for value, nodes in sorted(by_value.items()))
            warnings.append(ProbeWarning("/".join((*where, key)), f"the cluster's masters disagree: {shown}"))
    return out, warnings


@dataclass
class Master:
    """One master being read: its address and a session per database slot."""

    address: str
    sessions: dict[str, Session]


def _open(url: str, node: Node, dbs: Sequence[int | None], timeouts: Timeouts) -> Master:
    sessions: dict[str, Session] = {}
    try:
        for i, db in enumerate(dbs):
            sessions[f"db#{i + 1}"] = Session.open(at_address(url, node.host, node.port), db, timeouts)
    except RedisFault:
        for session in sessions.values():
            session.close()
        raise
    return Master(node.address, sessions)


def read_cluster(url: str, first: Session, dbs: Sequence[int | None], timeouts: Timeouts,
                 exclude: Sequence[str], keys: KeysOptions | None,
                 default_host: str) -> tuple[dict[str, Any], list[Gap], list[ProbeWarning]]:
    """Server, config and keyspace of every master of the cluster `first` belongs to, merged."""
    nodes = discover(first, default_host)
    masters = [node for node in nodes if node.master]
    covered = set().union(*(node.slots for node in masters)) if masters else set()
    facts = {"masters": len(masters), "replicas": len(nodes) - len(masters),
             "slots_covered": len(covered) == SLOTS}
    gaps: list[Gap] = []
    opened: list[Master] = []
    try:
        for node in masters:
            try:
                opened.append(_open(url, node, dbs, timeouts))
            except RedisFault as exc:
                gaps.append(_unread(node.address, exc, keys))
        data, more_gaps, warnings = _read_masters(opened, exclude, keys)
    finally:
        for master in opened:
            for session in master.sessions.values():
                session.close()
    gaps += more_gaps
    if not data["server"]:
        raise RedisFault("no master of the cluster could be read: " + "; ".join(g.message for g in gaps))
    data["server"]["cluster"] = facts
    return data, gaps, warnings


def _unread(address: str, fault: RedisFault, keys: KeysOptions | None) -> Gap:
    """The gap for a master that could not be read: the keyspace without its keys is not compared."""
    return Gap(f"cluster node {address}", f"cluster master {address} could not be read: {fault}; its "
               "settings and keys are not compared", ("keyspace",) if keys is not None else ())


class NodeFault(Exception):
    """A master failed while its keys were read."""

    def __init__(self, address: str, fault: RedisFault) -> None:
        super().__init__(address, fault)
        self.address = address
        self.fault = fault


def _server_and_config(session: Session, exclude: Sequence[str]) -> tuple[dict[str, Any], dict[str, str],
                                                                          list[Gap]]:
    server, _, gaps = read_server(session)
    config, more = read_config(session, exclude)
    return server, config, gaps + more


def _read_masters(opened: list[Master], exclude: Sequence[str],
                  keys: KeysOptions | None) -> tuple[dict[str, Any], list[Gap], list[ProbeWarning]]:
    gaps: list[Gap] = []
    servers: dict[str, dict[str, Any]] = {}
    configs: dict[str, dict[str, str]] = {}
    for master in list(opened):
        try:
            server, config, more = _server_and_config(next(iter(master.sessions.values())), exclude)
        except RedisFault as exc:
            gaps.append(_unread(master.address, exc, keys))
            opened.remove(master)
            for session in master.sessions.values():
                session.close()
            continue
        gaps += [replace(g, object=f"{g.object} on {master.address}",
                         message=f"cluster master {master.address}: {g.message}") for g in more]
        servers[master.address] = server
        if config:  # CONFIG refused: a gap, and no vote
            configs[master.address] = config
    data: dict[str, Any] = {}
    data["server"], warnings = merge(servers, ("server",))
    data["config"], more_warnings = merge(configs, ("config",))
    warnings += more_warnings
    if keys is not None and opened:
        data["keyspace"] = {}
        for slot in opened[0].sessions:
            try:
                data["keyspace"][slot] = read_keyspace({m.address: m.sessions[slot] for m in opened}, keys)
            except CommandFailed as exc:
                gaps.append(Gap(f"keyspace {slot}", f"the keyspace could not be read: {exc}",
                                ("keyspace", slot)))
            except NodeFault as exc:
                gaps.append(Gap(f"cluster node {exc.address}", f"cluster master {exc.address} failed while "
                                f"its keys were read: {exc.fault}", ("keyspace", slot)))
    return data, gaps, warnings


def _budget(total: int, weight: float, least: int) -> int:
    return max(least, math.ceil(total * weight))


def read_keyspace(sessions: dict[str, Session], options: KeysOptions) -> dict[str, Any]:
    """One database's fingerprint over every master: the budget shared out by DBSIZE, shares weighted.
    A master that fails (a timeout, a dropped connection) raises NodeFault naming it."""
    sizes: dict[str, int] = {}
    for node, session in sessions.items():
        try:
            sizes[node] = int(session.call("DBSIZE", what="DBSIZE"))
        except RedisFault as exc:
            raise NodeFault(node, exc) from None
    total = sum(sizes.values())
    scanned: dict[str, list[bytes]] = {}
    done: dict[str, bool] = {}
    facts: dict[bytes, KeyFacts] = {}
    for node, session in sessions.items():
        weight = sizes[node] / total if total else 1 / len(sessions)
        if sizes[node] == 0 and total:
            scanned[node] = []
            continue
        share = replace(options, scan_keys=_budget(options.scan_keys, weight, 1),
                        scan_seconds=options.scan_seconds * weight)
        try:
            scanned[node], done[node] = scan(session, share)
            facts.update(describe(session, evenly(scanned[node], _budget(options.sample, weight, 1))))
        except RedisFault as exc:
            raise NodeFault(node, exc) from None
    patterns = fold([key for keys in scanned.values() for key in keys])
    weighted: defaultdict[str, float] = defaultdict(float)
    for node, keys in scanned.items():
        if not keys:
            continue
        each = 1.0 if done.get(node, True) else sizes[node] / len(keys)  # keys each scanned key stands for
        for key in keys:
            weighted[patterns[key]] += each
    count = sum(len(keys) for keys in scanned.values())
    return fingerprint(patterns, capped(weighted), facts, total, count, all(done.values()))
