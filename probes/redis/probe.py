"""The `redis` probe: server, settings and keyspace shape of a Redis server (or Valkey, KeyDB...).

Data, and so the path grammar below the probe name (docs/probes/redis.md has it all)::

    server/product | mode | version/major|minor|patch | modules/<name>/version
    server/cluster/masters | replicas | slots_covered         (with `cluster`: probes.redis.cluster)
    config/<setting>
    keyspace/<slot>/keys | sample/... | patterns/<pattern>/share|types|encodings|ttl|ttl_left|memory

Only read commands are sent (`probes.redis.session.READ_COMMANDS`), and no value is ever read.
The reading modules import redis-py and are imported only when the probe runs.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from fidelity.probe import (
    Assessment,
    Category,
    DiffChange,
    Gap,
    Kind,
    Option,
    Probe,
    ProbeError,
    ProbeResult,
    ProbeWarning,
    Severity,
    mask_text,
    written_credentials,
)
from probes.redis.options import (
    DEFAULT_SAMPLE,
    DEFAULT_SCAN_KEYS,
    DEFAULT_SCAN_SECONDS,
    check_dbs,
    check_keys,
    check_positive,
    check_url,
    parse_keys,
)
from probes.redis.severity import SEVERITY_NOTES, assess


class RedisProbe(Probe):
    """Reads one Redis server's (or a cluster's masters') version, modules, settings and keyspace shape,
    read-only."""

    type_name = "redis"
    category = Category.CONFIG
    remote = True
    description = "Redis (or Valkey, KeyDB) server, settings and keyspace shape (read commands only)"
    option_schema = (
        Option("url", Kind.STRING, 'redis://, rediss:// or unix:// URL, usually "${VAR}"', required=True,
               check=check_url),
        Option("db", Kind.ANY, "database numbers to read, paired by position across environments "
               "(keyspace/db#1, db#2, ...); default: the URL's database, else 0", check=check_dbs),
        Option("connect_timeout", Kind.NUMBER, "seconds to wait for the connection", 10.0,
               check=check_positive, above=0, maximum=86_400),
        Option("command_timeout", Kind.NUMBER, "seconds to wait for one reply", 30.0,
               check=check_positive, above=0, maximum=86_400),
        Option("keys", Kind.ANY, f"keyspace shape: true, or a table of scan_keys ({DEFAULT_SCAN_KEYS}), "
               f"scan_seconds ({DEFAULT_SCAN_SECONDS:g}), sample ({DEFAULT_SAMPLE}), match (\"*\"), seed (0) "
               "(docs/probes/redis.md)", default=False, check=check_keys),
        Option("exclude_settings", Kind.STRING_LIST, "globs of setting names to leave out, besides the "
               "host-specific and secret ones", default=[]),
        Option("sentinel", Kind.STRING, "`url` is a Sentinel: read the master it names under this name"),
        Option("cluster", Kind.BOOLEAN, "`url` is a node of a Redis Cluster: read every master it lists "
               "(CLUSTER NODES) and merge them: settings, DBSIZE summed, key shares over all", default=False),
    )
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = SEVERITY_NOTES

    def collect(self) -> ProbeResult:
        """Read the server; faults become a ProbeError naming the probe and environment."""
        from probes.redis.session import RedisFault

        try:
            data, gaps, warnings = self._read()
        except RedisFault as exc:
            raise ProbeError(self._mask(f"redis probe {self.name!r}, environment "
                                        f"{self.context.environment!r}: {exc}")) from None
        return ProbeResult(data, tuple(Gap(g.object, self._mask(g.message), g.segments) for g in gaps),
                           tuple(ProbeWarning(w.object, self._mask(w.message)) for w in warnings))

    def _read(self) -> tuple[dict[str, Any], list[Gap], list[ProbeWarning]]:
        from probes.redis.config import read_config
        from probes.redis.keyspace import read_keyspaces
        from probes.redis.server import read_server
        from probes.redis.session import RedisFault, Session, Timeouts
        from probes.redis.topology import master_url

        opts = self.options
        timeouts = Timeouts(float(opts["connect_timeout"]), float(opts["command_timeout"]))
        url = str(opts["url"])
        if opts.get("sentinel"):
            url = master_url(url, str(opts["sentinel"]), timeouts)
        dbs = opts.get("db") or [None]
        sessions = {f"db#{i + 1}": Session.open(url, db, timeouts) for i, db in enumerate(dbs)}
        try:
            first = next(iter(sessions.values()))
            server, mode, gaps = read_server(first)
            data: dict[str, Any] = {"server": server}
            if mode == "sentinel":
                raise RedisFault('this is a Sentinel, which holds no keys or data settings: set `sentinel = '
                                 '"<master name>"` to read the master it watches')
            if opts["cluster"] and mode != "cluster":
                raise RedisFault(f"`cluster = true`, but the server is {mode}: remove `cluster`")
            if opts["cluster"]:
                from probes.redis.cluster import read_cluster

                return read_cluster(url, first, dbs, timeouts, opts["exclude_settings"],
                                    parse_keys(opts["keys"]), urlsplit(url).hostname or "127.0.0.1")
            data["config"], more = read_config(first, opts["exclude_settings"])
            gaps += more
            keys = parse_keys(opts["keys"])
            if keys is not None:
                data["keyspace"], more = read_keyspaces(sessions, keys)
                gaps += more
        finally:
            for session in sessions.values():
                session.close()
        return data, gaps, []

    def _mask(self, text: str) -> str:
        try:
            password = urlsplit(str(self.options["url"])).password
        except ValueError:
            password = None
        written = written_credentials(str(self.options["url"]))  # a password a parser cut: its pieces
        return mask_text(text, [password, *written] if password else written)

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge a change by where it is; see `probes.redis.severity`."""
        return assess(change, reference, candidate)
