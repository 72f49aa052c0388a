"""Read-only: every command the probe sends is on the allow list, as a real server shows it twice:
MONITOR (each command with its arguments, but no administrative ones such as CONFIG) and the
command statistics (every command, counted). The server's count of changes since the last save
does not move."""

from __future__ import annotations

import threading
import time

import redis
from redisfixtures import collect, seed_app, server

from probes.redis.session import READ_COMMANDS, command_name

END = "fidelity-test-end"


def _watch(port: int, seen: list[str], ready: threading.Event) -> None:
    with redis.Redis(port=port, socket_timeout=60).monitor() as monitor:
        ready.set()
        while True:
            command = str(monitor.next_command()["command"])
            if END in command:
                return
            seen.append(command)


def test_every_command_sent_is_a_read_on_the_allow_list() -> None:
    with server() as watched:
        client = watched.client(3)
        seed_app(client, rates=30)
        client.sadd("tags", "a", "b")
        client.zadd("scores", {"a": 1})
        client.xadd("events", {"k": "v"})
        client.set("odd key\nwith spaces", "v")
        dirty = watched.client().info("persistence")["rdb_changes_since_last_save"]
        seen: list[str] = []
        ready = threading.Event()
        watcher = threading.Thread(target=_watch, args=(watched.port, seen, ready), daemon=True)
        watcher.start()
        assert ready.wait(30)
        watched.client().config_resetstat()
        result = collect(watched.url, keys=True, db=[3, 0])
        stats = watched.client().info("commandstats")  # this INFO is counted too: INFO is on the list
        watched.client().echo(END)
        watcher.join(60)
        assert not watcher.is_alive()
        assert watched.client().info("persistence")["rdb_changes_since_last_save"] == dirty
    assert result.gaps == ()
    names = {command_name(command.split(" ")) for command in seen}
    assert names <= READ_COMMANDS, names - READ_COMMANDS
    # what the probe needs was actually sent (the watch saw the probe, not nothing)
    assert {"SCAN", "TYPE", "PTTL", "MEMORY USAGE", "INFO"} <= names
    assert "KEYS" not in names
    counted = {name.removeprefix("cmdstat_").replace("|", " ").upper() for name in stats}
    counted.discard("CONFIG RESETSTAT")  # the test's own, before the probe ran
    assert counted <= READ_COMMANDS, counted - READ_COMMANDS
    assert {"CONFIG GET", "OBJECT ENCODING", "MEMORY USAGE", "SCAN", "DBSIZE"} <= counted
    assert not any(n.startswith(("GET", "HGET", "LRANGE", "SMEMBERS", "ZRANGE", "XRANGE", "DUMP"))
                   for n in names)


def test_reading_the_keys_leaves_their_access_times_as_they_were() -> None:
    """TYPE, OBJECT ENCODING, PTTL and MEMORY USAGE look a key up without counting it as used: a
    production cache that evicts its least recently used keys evicts the same keys after an audit."""
    with server() as watched:
        client = watched.client()
        seed_app(client, rates=30)
        client.set("odd key\nwith spaces", "v")
        keys = list(client.scan_iter(count=1000))
        time.sleep(2.2)  # idle times count whole seconds
        result = collect(watched.url, keys=True)
        assert result.gaps == ()
        assert result.data["keyspace"]  # the keys were sampled and measured
        idle = {key: client.object("idletime", key) for key in keys}
    assert min(idle.values()) >= 2, sorted(k for k, v in idle.items() if v < 2)[:5]
