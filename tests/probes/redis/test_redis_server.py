"""What a server says it is: product, version and mode from INFO server, for Redis and the servers
that speak its protocol. These servers are not installed here, so their INFO fields are fed to the
pure functions as each documents or shows them (sources beside each); Redis itself is also read live."""

from __future__ import annotations

import subprocess

import pytest
from redisfixtures import collect, server

from probes.redis.server import product, server_mode, version_tree

#: Redis 7: the `redis_version` is its own, no `server_name`.
REDIS = {"redis_version": "7.2.4", "redis_mode": "standalone", "executable": "/usr/bin/redis-server"}
#: Valkey 8: `server_name:valkey` and `valkey_version`, while `redis_version` is the Redis it is
#: compatible with (7.2.4); the mode field is `server_mode` (https://valkey.io/commands/info/ shows
#: `redis_version:7.2.4`, `server_name:valkey`, `valkey_version:...`, `server_mode:standalone`;
#: valkey-io/valkey#306 renamed `redis_mode` unless `extended-redis-compatibility yes`).
VALKEY = {"redis_version": "7.2.4", "server_name": "valkey", "valkey_version": "8.0.1",
          "server_mode": "cluster", "executable": "/usr/bin/valkey-server"}
#: KeyDB 6.3: no name and no version field of its own; `redis_version` is KeyDB's version, and only
#: `executable` names it (INFO server quoted in Snapchat/KeyDB#981, KeyDB 6.3.4, which asks for a
#: `keydb_version` field; oliver006/redis_exporter#326 shows KeyDB 5.3.2 with
#: `executable:/usr/bin/keydb-server`).
KEYDB = {"redis_version": "6.3.4", "redis_git_sha1": "7e7e5e57", "redis_mode": "standalone",
         "executable": "/data/keydb-server"}
#: Dragonfly: `redis_version` (the Redis it emulates), `dragonfly_version` tagged `df-v`, `redis_mode`
#: (dragonfly src/server/server_family.cc appends redis_version, dragonfly_version, redis_mode).
DRAGONFLY = {"redis_version": "7.4.0", "dragonfly_version": "df-v1.40.1", "redis_mode": "standalone"}


@pytest.mark.parametrize(("info", "expected"), [
    (REDIS, ("redis", "7.2.4")),
    (VALKEY, ("valkey", "8.0.1")),
    ({**VALKEY, "valkey_version": ""}, ("valkey", "7.2.4")),  # a name without its version field
    (KEYDB, ("keydb", "6.3.4")),
    ({**KEYDB, "keydb_version": "6.3.5"}, ("keydb", "6.3.5")),  # should KeyDB add the field #981 asks for
    (DRAGONFLY, ("dragonfly", "1.40.1")),
    ({}, ("redis", "unknown")),
])
def test_the_product_and_its_own_version(info: dict[str, str], expected: tuple[str, str]) -> None:
    assert product(info) == expected


def test_versions_of_each_product_split_into_comparable_prefixes() -> None:
    assert version_tree(product(DRAGONFLY)[1]) == {"major": "1", "minor": "1.40", "patch": "1.40.1"}
    assert version_tree(product(VALKEY)[1]) == {"major": "8", "minor": "8.0", "patch": "8.0.1"}


def test_the_mode_under_either_field_name() -> None:
    assert server_mode(VALKEY) == "cluster"
    assert server_mode({**VALKEY, "server_mode": "", "redis_mode": "cluster"}) == "cluster"
    assert server_mode(KEYDB) == server_mode(DRAGONFLY) == server_mode(REDIS) == "standalone"
    assert server_mode({}) == "standalone"


def test_a_live_redis_names_itself_redis() -> None:
    with server() as started:
        version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True,
                                 check=True).stdout
        facts = collect(started.url).data["server"]
    assert facts["product"] == "redis"
    assert f"v={facts['version']['patch']} " in version
    assert facts["mode"] == "standalone"
