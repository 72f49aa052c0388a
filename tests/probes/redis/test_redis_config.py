"""Server and settings: two spawned servers (the only ones whose settings a test changes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redisfixtures import Server, audit, collect, drift, server

from probes.redis.settings import is_left_out


@pytest.fixture
def pair() -> Iterator[tuple[Server, Server]]:
    with server() as production, server() as staging:
        yield production, staging


def test_two_fresh_servers_have_no_findings(pair: tuple[Server, Server]) -> None:
    production, staging = pair
    assert drift(audit((production.url, {}), (staging.url, {}))) == {}


def test_settings_that_change_behaviour_are_high(pair: tuple[Server, Server]) -> None:
    production, staging = pair
    production.client().config_set("maxmemory-policy", "allkeys-lru")
    staging.client().config_set("appendonly", "yes")
    staging.client().config_set("maxmemory", "104857600")
    staging.client().config_set("notify-keyspace-events", "KEA")
    production.client().config_set("notify-keyspace-events", "AKE")  # the same flags, in another order
    found = drift(audit((production.url, {}), (staging.url, {})))
    assert found == {
        "cache/config/maxmemory-policy": ("changed", "high"),
        "cache/config/appendonly": ("changed", "high"),
        "cache/config/maxmemory": ("changed", "low"),
    }


def test_exclude_settings_leaves_a_setting_out(pair: tuple[Server, Server]) -> None:
    production, staging = pair
    staging.client().config_set("maxmemory-policy", "allkeys-lru")
    options = {"exclude_settings": ["maxmemory-*"]}
    assert drift(audit((production.url, options), (staging.url, options))) == {}


def test_host_settings_and_secrets_are_never_collected() -> None:
    with server("--requirepass", "pw-Not-In-Data-1", "--masterauth", "pw-Not-In-Data-2",
                password="pw-Not-In-Data-1") as guarded:
        config = collect(f"redis://:pw-Not-In-Data-1@127.0.0.1:{guarded.port}").data["config"]
    for name in ("requirepass", "masterauth", "port", "dir", "bind", "dbfilename", "pidfile", "logfile",
                 "slave-read-only", "hash-max-ziplist-entries", "lua-time-limit"):
        assert name not in config, name
    assert "pw-Not-In-Data" not in repr(config)
    # aliases are folded into the current names
    assert config["replica-read-only"] == "yes"
    assert "busy-reply-threshold" in config


def test_server_facts(pair: tuple[Server, Server]) -> None:
    production, _ = pair
    server_tree = collect(production.url).data["server"]
    version = production.client().info("server")["redis_version"]
    assert server_tree == {"product": "redis", "mode": "standalone", "modules": {},
                           "version": {"major": version.split(".")[0],
                                       "minor": ".".join(version.split(".")[:2]), "patch": version}}


def test_valkeys_names_for_the_replication_password_are_never_collected() -> None:
    # Valkey 8 answers CONFIG GET * with `primaryauth` and `primaryuser` besides the old names; no
    # Valkey server here, so the list that keeps them out is checked directly
    for name in ("primaryauth", "primaryuser", "masterauth", "masteruser", "requirepass"):
        assert is_left_out(name), name
