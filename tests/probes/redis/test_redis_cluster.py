"""Redis Cluster: with `cluster = true` the probe reads every master of a real cluster the test starts
(three redis-server processes, `redis-cli --cluster create`), and merges what they say."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from redis.cluster import RedisCluster
from redisfixtures import Server, audit, collect, drift, free_port, seed_app

from fidelity.probe.shape.scale import ROW_LABELS, fraction, magnitude
from probes.redis.cluster import DIFFERS, merge, parse_nodes
from probes.redis.session import READ_COMMANDS

PASSWORD = "cluster-secret-7f3a"


@contextmanager
def cluster(masters: int = 3, password: str | None = None, replicas: int = 0) -> Iterator[list[Server]]:
    """A Redis Cluster of `masters` masters with `replicas` replicas each, all slots assigned; stopped at
    the end."""
    if shutil.which("redis-cli") is None:
        pytest.skip("needs redis-cli")
    auth = ["-a", password, "--no-auth-warning"] if password else []
    servers: list[Server] = []
    try:
        for _ in range(masters * (1 + replicas)):
            # the bus port defaults to port + 10000 (past 65535 for a high free port): give it its own;
            # a long node timeout, so that a master the test stops is not failed over mid-test
            args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                    "--cluster-port", str(free_port()), "--cluster-node-timeout", "60000"]
            servers.append(Server(*args, *(["--requirepass", password, "--masterauth", password]
                                           if password else [])))
        for node in servers:
            node.wait(password)
        subprocess.run(["redis-cli", *auth, "--cluster", "create", *(f"127.0.0.1:{s.port}" for s in servers),
                        "--cluster-replicas", str(replicas), "--cluster-yes"],
                       check=True, capture_output=True, timeout=120)
        for node in servers:
            client = node.client(password=password)
            for _ in range(1200):
                info = client.execute_command("CLUSTER", "INFO")
                known = client.execute_command("CLUSTER", "NODES")
                views = [line.split()[2] for line in known.splitlines()]  # every node's role is known
                if b"cluster_state:ok" in info and len(views) == len(servers) and sum(
                        b"master" in flags for flags in views) == masters:
                    break
                time.sleep(0.1)
            else:
                raise RuntimeError("the cluster did not reach cluster_state:ok with every role known: "
                                   f"{info!r}, {known!r}")
        yield servers
    finally:
        for node in servers:
            node.stop()


def cluster_client(servers: list[Server], password: str | None = None) -> RedisCluster:
    return RedisCluster(host="127.0.0.1", port=servers[0].port, password=password, socket_timeout=10)


def test_every_master_is_read_and_merged() -> None:
    with cluster() as servers:
        seed_app(cluster_client(servers))  # the same commands, keys spread by slot
        sizes = [s.client().dbsize() for s in servers]
        result = collect(servers[0].url, cluster=True, keys=True)
        one_node = collect(servers[1].url, keys=True)  # without `cluster`: that node only
    assert all(sizes)
    assert sum(sizes) == 350
    assert result.gaps == ()
    server = result.data["server"]
    assert server["mode"] == "cluster"
    assert server["cluster"] == {"masters": 3, "replicas": 0, "slots_covered": True}
    assert server["version"]["patch"] == one_node.data["server"]["version"]["patch"]
    assert result.data["config"]["cluster-enabled"] == "yes"
    assert not any(str(v).startswith(DIFFERS) for v in result.data["config"].values())
    keyspace = result.data["keyspace"]["db#1"]
    assert keyspace["keys"] == magnitude(sum(sizes), ROW_LABELS)
    assert keyspace["sample"] == {"scanned": 350, "sampled": 350, "complete": True}
    patterns = keyspace["patterns"]
    assert patterns["session:<id>"]["share"] == fraction(200, 350)
    assert patterns["cart:<uuid>:items"]["share"] == fraction(100, 350)
    assert patterns["user:<id>:profile"]["share"] == fraction(50, 350)
    assert patterns["session:<id>"]["ttl"] == 1.0
    assert patterns["user:<id>:profile"]["types"] == [["hash", 1.0]]
    assert one_node.data["keyspace"]["db#1"]["sample"]["scanned"] == sizes[1] < 350


def test_a_replica_in_the_url_leads_to_the_masters_and_replicas_are_not_read() -> None:
    with cluster(replicas=1) as servers:
        seed_app(cluster_client(servers))
        roles = {s.port: s.client().info("replication")["role"] for s in servers}
        replica = next(s for s in servers if roles[s.port] == "slave")
        result = collect(replica.url, cluster=True, keys=True)
    assert sorted(roles.values()) == ["master"] * 3 + ["slave"] * 3
    assert result.gaps == ()
    assert result.data["server"]["cluster"] == {"masters": 3, "replicas": 3, "slots_covered": True}
    keyspace = result.data["keyspace"]["db#1"]
    assert keyspace["sample"] == {"scanned": 350, "sampled": 350, "complete": True}  # each key once
    assert keyspace["patterns"]["session:<id>"]["share"] == fraction(200, 350)


def test_a_budget_is_shared_out_by_size_and_shares_are_the_clusters() -> None:
    with cluster() as servers:
        client = cluster_client(servers)
        pipe = client.pipeline()
        for i in range(24_000):
            pipe.set(f"session:{i}", "x")
        for i in range(6_000):  # one hash tag: all on one master, which then holds the most keys
            pipe.set(f"job:{{queue}}:{i}", "x")
        pipe.execute()
        sizes = sorted(s.client().dbsize() for s in servers)
        result = collect(servers[0].url, cluster=True, keys={"scan_keys": 3000, "sample": 300})
    assert sizes[-1] > 1.5 * sizes[0]
    keyspace = result.data["keyspace"]["db#1"]
    assert keyspace["keys"] == magnitude(30_000, ROW_LABELS)
    assert keyspace["sample"]["complete"] is False
    assert keyspace["sample"]["scanned"] < 30_000
    assert 300 <= keyspace["sample"]["sampled"] <= 303  # each master's part rounded up
    patterns = keyspace["patterns"]
    assert abs(patterns["job:<value>:<id>"]["share"] - 0.2) < 0.03
    assert abs(patterns["session:<id>"]["share"] - 0.8) < 0.03


def test_a_setting_changed_on_one_master_is_recorded_and_is_a_finding() -> None:
    with cluster() as production, cluster() as staging:
        assert drift(audit((production[0].url, {"cluster": True}), (staging[0].url, {"cluster": True}))) == {}
        staging[2].client().config_set("maxmemory-policy", "allkeys-lru")
        result = collect(staging[0].url, cluster=True)
        report = audit((production[0].url, {"cluster": True}), (staging[1].url, {"cluster": True}))
        staging[0].client().execute_command("CLUSTER", "DELSLOTS", 0)  # the test's own write: a slot unowned
        uncovered = audit((production[0].url, {"cluster": True}), (staging[0].url, {"cluster": True}))
    assert result.data["config"]["maxmemory-policy"] == f"{DIFFERS}: allkeys-lru on 1, noeviction on 2"
    (warning,) = result.warnings
    assert warning.object == "config/maxmemory-policy"
    assert f"allkeys-lru on 127.0.0.1:{staging[2].port}" in warning.message
    assert drift(report) == {"cache/config/maxmemory-policy": ("changed", "high")}
    assert drift(uncovered) == {"cache/config/maxmemory-policy": ("changed", "high"),
                                "cache/server/cluster/slots_covered": ("changed", "high")}


def test_a_master_that_is_down_is_a_gap_naming_it() -> None:
    with cluster(password=PASSWORD) as servers:
        seed_app(cluster_client(servers, PASSWORD))
        alive = sum(s.client(password=PASSWORD).dbsize() for s in servers[:2])
        servers[2].stop()
        url = f"redis://:{PASSWORD}@127.0.0.1:{servers[0].port}"
        result = collect(url, cluster=True, keys=True)
        servers[1].client(password=PASSWORD).execute_command("CLIENT", "PAUSE", 60_000, "ALL")  # stalled
        stalled = collect(url, cluster=True, command_timeout=1)
    (gap,) = result.gaps
    assert f"127.0.0.1:{servers[2].port}" in gap.object
    assert f"cluster master 127.0.0.1:{servers[2].port} could not be read: cannot connect" in gap.message
    assert PASSWORD not in gap.message + gap.object
    assert gap.segments == ("keyspace",)  # its keys are missing from the counts and shares
    assert result.data["server"]["cluster"]["masters"] == 3
    assert result.data["config"]["maxmemory-policy"] == "noeviction"  # the masters read still agree
    assert result.data["keyspace"]["db#1"]["sample"]["scanned"] == alive
    gaps = {g.object: g for g in stalled.gaps}
    assert sorted(gaps) == sorted(f"cluster node 127.0.0.1:{servers[i].port}" for i in (1, 2))
    paused = gaps[f"cluster node 127.0.0.1:{servers[1].port}"]
    assert "could not be read: no reply within command_timeout (1 s)" in paused.message
    assert paused.segments == ()  # without keys: the settings read are still compared
    assert stalled.data["server"]["mode"] == "cluster"


def test_every_command_sent_to_the_cluster_is_a_read_on_the_allow_list() -> None:
    with cluster() as servers:
        seed_app(cluster_client(servers))
        dirty = [s.client().info("persistence")["rdb_changes_since_last_save"] for s in servers]
        for node in servers:
            node.client().config_resetstat()
        collect(servers[0].url, cluster=True, keys=True)
        stats = [s.client().info("commandstats") for s in servers]
        assert [s.client().info("persistence")["rdb_changes_since_last_save"] for s in servers] == dirty
    for counted_stats in stats:
        counted = {name.removeprefix("cmdstat_").replace("|", " ").upper() for name in counted_stats}
        counted.discard("CONFIG RESETSTAT")  # the test's own, before the probe ran
        assert counted <= READ_COMMANDS, counted - READ_COMMANDS
        assert {"CONFIG GET", "DBSIZE", "SCAN", "TYPE", "MEMORY USAGE"} <= counted  # every master was read
    assert "CLUSTER NODES" in {n.removeprefix("cmdstat_").replace("|", " ").upper() for n in stats[0]}
    assert not READ_COMMANDS & {"CLUSTER ADDSLOTS", "CLUSTER MEET", "CLUSTER FAILOVER", "CLUSTER RESET",
                                "CLUSTER SETSLOT", "CLUSTER FORGET"}


def test_masters_are_merged_value_by_value() -> None:
    merged, warnings = merge({
        "10.0.0.1:6379": {"mode": "cluster", "modules": {"search": {"version": "2"}}, "save": "", "hz": "10"},
        "10.0.0.2:6379": {"mode": "cluster", "save": "3600 1", "hz": "10"},  # MODULE LIST failed: a gap
        "10.0.0.3:6379": {"mode": "cluster", "modules": {"search": {"version": "3"}}, "save": ""}})
    assert merged == {"hz": f"{DIFFERS}: (unset) on 1, 10 on 2", "mode": "cluster",
                      "modules": {"search": {"version": f"{DIFFERS}: 2 on 1, 3 on 1"}},
                      "save": f'{DIFFERS}: "" on 2, 3600 1 on 1'}
    assert [w.object for w in warnings] == ["hz", "modules/search/version", "save"]
    assert warnings[0].message == ("the cluster's masters disagree: (unset) on 10.0.0.3:6379; "
                                   "10 on 10.0.0.1:6379, 10.0.0.2:6379")


def test_cluster_nodes_replies_are_parsed() -> None:
    reply = (b"a1 10.0.0.1:6379@16379,cache-1 myself,master - 0 0 1 connected 0-100 102 [101->-b2]\n"
             b"b2 :6380@16380 master - 0 0 2 connected 101 103-16383\n"
             b"c3 10.0.0.3:6379@16379 slave a1 0 0 1 connected\n"
             b"d4 10.0.0.4:6379@16379 handshake - 0 0 0 disconnected\n"
             b"e5 [::1]:6379@16379 master,fail - 0 0 3 connected\n")
    nodes = parse_nodes(reply, "seed.example")
    assert [(n.address, n.master, len(n.slots)) for n in nodes] == [
        ("10.0.0.1:6379", True, 102), ("seed.example:6380", True, 16282), ("10.0.0.3:6379", False, 0),
        ("[::1]:6379", True, 0)]
