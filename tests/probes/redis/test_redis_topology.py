"""Sentinel and cluster: a real Sentinel leads the probe to its master; a mode that does not match fails."""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from redisfixtures import collect, free_port, seed_app, server

from fidelity.probe import ProbeError


@contextmanager
def sentinel(master_port: int) -> Iterator[str]:
    """A Sentinel watching the master on `master_port` under the name `shop`; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="fidelity-sentinel-"))
    port = free_port()
    conf = folder / "sentinel.conf"  # a Sentinel rewrites its config file: it must be its own
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
                    f"sentinel monitor shop 127.0.0.1 {master_port} 1\n", encoding="utf-8")
    process = subprocess.Popen(["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port, protocol=2, socket_timeout=5)
        for _ in range(200):
            try:
                if client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "shop"):
                    break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(timeout=30)


def test_sentinel_leads_to_its_master() -> None:
    with server() as master, sentinel(master.port) as url:
        seed_app(master.client())
        result = collect(url, sentinel="shop", keys=True)
        assert result.data["server"]["mode"] == "standalone"  # the master's, not the Sentinel's
        assert "session:<id>" in result.data["keyspace"]["db#1"]["patterns"]
        with pytest.raises(ProbeError, match="this is a Sentinel"):
            collect(url)
        with pytest.raises(ProbeError, match="the Sentinel knows no master named 'nope'"):
            collect(url, sentinel="nope")
    with server() as plain, pytest.raises(ProbeError, match="`url` is not a Sentinel"):
        collect(plain.url, sentinel="shop")


def test_cluster_option_on_a_standalone_server_fails() -> None:
    with server() as plain, pytest.raises(ProbeError, match="`cluster = true`, but the server is standalone"):
        collect(plain.url, cluster=True)


def test_a_cluster_node_is_read_as_one_node() -> None:
    # the cluster bus defaults to port + 10000, past 65535 for a high free port: give it its own
    with server("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-port", str(free_port())) as node:
        result = collect(node.url, cluster=True)
    assert result.data["server"]["mode"] == "cluster"
    assert result.data["server"]["cluster"] == {"masters": 1, "replicas": 0, "slots_covered": False}
    assert result.data["config"]["cluster-enabled"] == "yes"
    assert "cluster-config-file" not in result.data["config"]
