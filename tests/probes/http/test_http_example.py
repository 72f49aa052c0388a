"""examples/http: its one-command server and config give the drift its comments promise."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from httpfixtures import findings

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "http"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_example_serves_drift_that_the_example_config_reports(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "fidelity.toml"
    config.write_text((EXAMPLE / "fidelity.toml").read_text(encoding="utf-8")
                      .replace("127.0.0.1:8480", f"127.0.0.1:{port}"), encoding="utf-8")
    server = subprocess.Popen([sys.executable, str(EXAMPLE / "serve.py"), "--port", str(port)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        assert server.stdout.readline().startswith("serving production and staging")
        result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "-c", str(config), "--format",
                                 "json"], capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found = findings(report)
    assert found["shop/endpoints/version/json/version"] == ("changed", "high")
    assert found["shop/endpoints/version/json/flags/new_checkout"] == ("changed", "high")
    assert found["shop/endpoints/home/headers/strict-transport-security"] == ("changed", "high")
    assert found["shop/endpoints/home/cookies/session/secure"] == ("missing", "high")
    assert found["shop/endpoints/home_head/redirects"] == ("changed", "high")
    statuses = {f["path"]: f["status"] for f in report["comparisons"][0]["findings"]}
    assert statuses["shop/endpoints/version/json/commit"] == "expected"
    assert report["errors"] == []
