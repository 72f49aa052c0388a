"""Which server settings (CONFIG GET *) are compared, how they are normalised, and how much each matters.

Host-specific settings (paths, ports, addresses, replication peers, CPU lists) and secrets
(`requirepass`, `masterauth` and Valkey's `primaryauth`, the ACL file) are never collected.
Old alias names (`slave-*`,
`*-ziplist-*`, `lua-time-limit`) are folded into their current names, so that servers of
different versions compare. Sizes that follow the hardware are low; settings that change what
commands return, what is kept or evicted, and what is persisted are high; everything else is
medium.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fidelity.probe import Severity, matches_any

#: Never collected: they differ between hosts by nature, hold secrets, or only name files.
NOISE = (
    "dir", "dbfilename", "appendfilename", "appenddirname", "logfile", "pidfile", "aclfile",
    "port", "tls-port", "bind", "bind-source-addr", "unixsocket", "unixsocketperm", "socket-mark-id",
    "requirepass", "masterauth", "masteruser", "primaryauth", "primaryuser", "tls-key-file-pass",
    "tls-client-key-file-pass",
    "tls-*-file", "tls-ca-cert-dir", "replicaof", "replica-announce-*", "replica-priority",
    "cluster-announce-*", "cluster-config-file", "cluster-port", "daemonize", "supervised",
    "syslog-ident", "always-show-logo", "set-proc-title", "proc-title-template", "*_cpulist",
    "oom-score-adj", "oom-score-adj-values", "unixsocketgroup", "sentinel*",
)

#: Change what commands return, which keys are kept, evicted or persisted, or what clients may do.
HIGH = (
    "maxmemory-policy", "notify-keyspace-events", "appendonly", "appendfsync", "save", "timeout",
    "databases", "busy-reply-threshold", "stop-writes-on-bgsave-error", "replica-read-only",
    "replica-serve-stale-data", "min-replicas-to-write", "min-replicas-max-lag", "cluster-enabled",
    "cluster-require-full-coverage", "cluster-allow-reads-when-down", "protected-mode",
    "lazyfree-lazy-user-del", "lazyfree-lazy-user-flush", "enable-module-command", "enable-debug-command",
    "acl-pubsub-default", "propagation-error-behavior", "locale-collate", "replica-ignore-maxmemory",
)

#: Follow the hardware, or tune performance, memory layout (encodings) and logging only.
LOW = (
    "maxmemory", "maxmemory-clients", "maxclients", "io-threads", "io-threads-do-reads", "hz", "dynamic-hz",
    "tcp-backlog", "active-defrag*", "activedefrag", "activerehashing", "jemalloc-bg-thread",
    "*-max-listpack-*", "*-max-intset-entries", "set-max-listpack-*", "list-compress-depth",
    "stream-node-max-*", "hll-sparse-max-bytes", "repl-*", "rdbcompression", "rdbchecksum",
    "rdb-*", "aof-*", "auto-aof-*", "no-appendfsync-on-rewrite", "latency-*", "slowlog-*", "loglevel",
    "syslog-*", "crash-*", "acllog-max-len", "active-expire-effort", "maxmemory-eviction-tenacity",
    "tracking-table-max-keys", "lazyfree-lazy-eviction", "lazyfree-lazy-expire", "lazyfree-lazy-server-del",
    "replica-lazy-flush", "disable-thp", "shutdown-*", "ignore-warnings", "tls-session-*",
    "cluster-link-sendbuf-limit", "cluster-node-timeout", "repl-backlog-*", "max-new-*",
)

#: Old names kept as aliases of current ones: (old substring, current substring).
ALIASES = (("slave", "replica"), ("ziplist", "listpack"), ("lua-time-limit", "busy-reply-threshold"))


def is_left_out(name: str, extra: Iterable[str] = ()) -> bool:
    """True for a setting that is never collected (NOISE plus `exclude_settings`)."""
    return matches_any(name, NOISE) or matches_any(name, extra)


def canonical(name: str) -> str:
    """The current name of a setting (`slave-read-only` is `replica-read-only`)."""
    for old, new in ALIASES:
        name = name.replace(old, new)
    return name


def normalise(name: str, value: str) -> str:
    """A value as compared: whitespace collapsed, lower case, flag sets sorted."""
    value = " ".join(value.split())
    if name == "notify-keyspace-events":
        return "".join(sorted(value))  # a set of flag letters; "KEA" and "AKE" say the same
    return value.lower() if name != "client-output-buffer-limit" else value


def severity(name: str) -> Severity:
    """Default severity of a changed setting."""
    if name in HIGH:
        return Severity.HIGH
    return Severity.LOW if matches_any(name, LOW) else Severity.MEDIUM


def describe(value: Any) -> str:
    """A setting's value in a message."""
    shown = str(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
