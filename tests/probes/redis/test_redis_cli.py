"""The redis probe through the real CLI and a config file: drift is exit 1, a fault is exit 3
(masked, one line), a bad option exit 2, and hostile key names never appear in any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from redisfixtures import SHARED, SharedDbs, cli, free_port, seed_app, shared_dbs

PASSWORD = "pw-Never-Shown-42"


@pytest.fixture
def dbs() -> Iterator[SharedDbs]:
    with shared_dbs() as taken:
        yield taken


def test_drift_fails_the_gate(dbs: SharedDbs, tmp_path: Path) -> None:
    a, b = dbs.take(), dbs.take()
    seed_app(dbs.client(a))
    seed_app(dbs.client(b), session_ttl=False)
    result = cli(tmp_path, f"{SHARED}/{a}", f"{SHARED}/{b}", "audit", "--format", "json",
                 keys="keys = true")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    found = {f["path"]: (f["change"], f["severity"], f["category"])
             for f in report["comparisons"][0]["findings"]}
    assert found == {"cache/keyspace/db#1/patterns/session:<id>/ttl": ("changed", "high", "data")}


def test_the_same_keyspace_passes(dbs: SharedDbs, tmp_path: Path) -> None:
    a, b = dbs.take(), dbs.take()
    seed_app(dbs.client(a))
    seed_app(dbs.client(b))
    result = cli(tmp_path, f"{SHARED}/{a}", f"{SHARED}/{b}", "audit", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr


def test_fault_is_exit_3_with_a_masked_one_line_message(dbs: SharedDbs, tmp_path: Path) -> None:
    a = dbs.take()
    staging = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    result = cli(tmp_path, f"{SHARED}/{a}", staging, "audit", "--format", "json")
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    (error,) = report["errors"]
    assert (error["environment"], error["probe"]) == ("staging", "cache")
    assert error["message"].startswith("redis probe 'cache', environment 'staging': cannot connect: ")
    assert "Traceback" not in result.stderr
    snapshot = tmp_path / "staging.json"
    result = cli(tmp_path, f"{SHARED}/{a}", staging, "snapshot", "--env", "staging", "-o", str(snapshot))
    assert result.returncode == 3
    assert PASSWORD not in snapshot.read_text(encoding="utf-8") + result.stdout + result.stderr


@pytest.mark.parametrize(("keys", "named"), [
    ("keys = { scan_keys = 5 }", "keys"),
    ("keys = { sampel = 100 }", "keys"),
    ("keys = \"yes\"", "keys"),
    ("db = [0, 0]", "db"),
])
def test_a_bad_option_is_exit_2_naming_the_key(tmp_path: Path, keys: str, named: str) -> None:
    result = cli(tmp_path, SHARED, SHARED, "audit", keys=keys)
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr
    assert "fidelity.toml" in result.stderr
    assert "Traceback" not in result.stderr


#: Key names a hostile or careless application writes: none may appear in a snapshot or report.
HOSTILE = [
    "<script>alert('k')</script>:{i}", "\u043a\u043b\u044e\u0447:{i}", "\u2603\u200b:{i}",
    "x" * 3000 + ":{i}", "::::{i}", "a b c\r\n{i}", "SELECT * FROM users;{i}", "&lt;b&gt;{i}",
    "alice@example.com:{i}:cart", "sk_live_4eC39HqLyjWDarjtT1zdp7dc{i}",
]


def test_hostile_key_names_never_appear_raw(dbs: SharedDbs, tmp_path: Path) -> None:
    a, b = dbs.take(), dbs.take()
    client: redis.Redis = dbs.client(b)
    for template in HOSTILE:
        client.mset({template.format(i=i): "v" for i in range(15)})
    client.mset({b"\xff\xfe\x00binary" + bytes([i]): b"v" for i in range(15)})
    seed_app(dbs.client(a))
    seed_app(client)
    report, html, snapshot = tmp_path / "r.json", tmp_path / "r.html", tmp_path / "snap.json"
    result = cli(tmp_path, f"{SHARED}/{a}", f"{SHARED}/{b}", "audit", "--format", "json", "-o",
                 str(report), "--format", "html", "-o", str(html), "--format", "markdown", "-o", "-",
                 "--fail-on", "medium")
    assert result.returncode == 1, result.stderr
    taken = cli(tmp_path, f"{SHARED}/{a}", f"{SHARED}/{b}", "snapshot", "--env", "staging",
                "-o", str(snapshot))
    assert taken.returncode == 0, taken.stderr
    outputs = {"json": report.read_text(encoding="utf-8"), "html": html.read_text(encoding="utf-8"),
               "markdown": result.stdout, "stderr": result.stderr,
               "snapshot": snapshot.read_text(encoding="utf-8")}
    patterns = json.loads(outputs["snapshot"])["probes"]["cache"]["data"]["keyspace"]["db#1"]["patterns"]
    assert "<value>:<id>" in patterns  # the hostile names, folded
    for where, text in outputs.items():
        for raw in ("alert(", "\u043a\u043b\u044e\u0447", "\u2603", "x" * 100, "SELECT", "&lt;b&gt;",
                    "alice", "example.com", "sk_live", "binary", "\\u00ff"):
            assert raw not in text, (where, raw)


def test_example_creates_drift_that_the_example_config_reports(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3] / "examples" / "redis"
    setup = [sys.executable, str(root / "setup.py"), "--folder", str(tmp_path / "servers"),
             "--ports", f"{free_port()},{free_port()}"]
    created = subprocess.run([*setup, "--env"], capture_output=True, text=True, check=True, timeout=120)
    try:
        exported = dict(line.removeprefix("export ").split("=", 1) for line in created.stdout.splitlines())
        env = {**os.environ, **{key: value.strip("'") for key, value in exported.items()}}
        result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "-c", str(root / "fidelity.toml"),
                                 "--format", "json"], capture_output=True, text=True, env=env, check=False,
                                timeout=120)
    finally:
        subprocess.run([*setup, "--stop"], check=True, timeout=120)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["comparisons"][0]["findings"]
    found = {f["path"]: (f["severity"], f["status"]) for f in findings}
    assert found["cache/config/maxmemory-policy"] == ("high", "open")
    assert found["cache/config/appendonly"] == ("high", "expected")
    assert found["cache/keyspace/db#1/patterns/session:<id>/ttl"] == ("high", "open")
    assert found["cache/keyspace/db#1/patterns/cart:<uuid>:items/types"] == ("high", "open")
