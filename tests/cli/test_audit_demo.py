"""End to end on the bundled demo: what a release captain and a pipeline see."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO, fidelity


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"), "--format", "json")
    assert result.returncode == 1, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)  # stdout is JSON and nothing else
    return report


def findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in report["comparisons"][0]["findings"]}


def test_terminal_report_shows_summary_first_and_groups(tmp_path: Path) -> None:
    result = fidelity("audit", "-c", str(DEMO / "fidelity.toml"))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert "FAIL" in first
    assert "score" in first
    assert "%" in first
    assert "\x1b[" not in result.stdout  # not a TTY: no colour
    for category in ("config", "dependency"):
        assert category in result.stdout.lower()


def test_demo_shows_every_change_kind_and_several_severities(demo_json: dict[str, Any]) -> None:
    found = findings(demo_json)
    assert {f["change"] for f in found.values()} == {"missing", "extra", "changed"}
    assert len({f["severity"] for f in found.values()}) >= 3
    assert demo_json["verdict"] == "fail"
    comparison = demo_json["comparisons"][0]
    assert comparison["score"] > 0
    assert 0 < comparison["fidelity"] < 1


def test_demo_rules_rewrites_and_secrets(demo_json: dict[str, Any]) -> None:
    found = findings(demo_json)
    log_level = found["app/app.env/LOG_LEVEL"]
    assert log_level["status"] == "expected"
    assert log_level["reason"]
    assert found["app/app.env/APP_ENV"]["status"] == "ignored"
    assert "app/app.env/REDIS_URL" not in found  # only the hostname differed: rewritten away
    assert found["app/app.env/DATABASE_URL"]["severity"] == "low"  # host rewritten; only the password differs
    session = found["app/app.env/SESSION_SECRET"]
    assert session["change"] == "changed"
    assert session["reference"].startswith("[secret:")
    assert found["deps/requirements.txt/packages/redis"]["severity"] == "high"


def test_snapshot_then_diff_matches_audit(tmp_path: Path, demo_json: dict[str, Any]) -> None:
    env = {"FIDELITY_SECRET_KEY": "shared-key-for-split-runs"}
    config = str(DEMO / "fidelity.toml")
    prod, stag = tmp_path / "prod.json", tmp_path / "stag.json"
    assert fidelity("snapshot", "-c", config, "--env", "production", "-o", str(prod), env=env).returncode == 0
    assert fidelity("snapshot", "-c", config, "--env", "staging", "-o", str(stag), env=env).returncode == 0
    diffed = fidelity("diff", str(prod), str(stag), "-c", config, "--format", "json", env=env)
    assert diffed.returncode == 1
    split = json.loads(diffed.stdout)
    audited = json.loads(fidelity("audit", "-c", config, "--format", "json", env=env).stdout)

    def key(report: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(f["id"], f["path"], f["change"], f["severity"], f["status"], json.dumps(f["reference"]),
                 json.dumps(f["candidate"])) for f in report["comparisons"][0]["findings"]]

    assert key(split) == key(audited)
    assert split["comparisons"][0]["fidelity"] == audited["comparisons"][0]["fidelity"]
    assert [f["id"] for f in demo_json["comparisons"][0]["findings"]] == [
        f["id"] for f in audited["comparisons"][0]["findings"]]


def test_split_runs_without_shared_key_report_one_notice(tmp_path: Path) -> None:
    config = str(DEMO / "fidelity.toml")
    prod, stag = tmp_path / "prod.json", tmp_path / "stag.json"
    fidelity("snapshot", "-c", config, "--env", "production", "-o", str(prod))
    fidelity("snapshot", "-c", config, "--env", "staging", "-o", str(stag))
    report = json.loads(fidelity("diff", str(prod), str(stag), "-c", config, "--format", "json").stdout)
    comparison = report["comparisons"][0]
    assert len(comparison["notices"]) == 1
    assert "FIDELITY_SECRET_KEY" in comparison["notices"][0]
    assert "app/app.env/SESSION_SECRET" not in findings(report)


def test_diff_without_config_uses_defaults(tmp_path: Path) -> None:
    config = str(DEMO / "fidelity.toml")
    prod, stag = tmp_path / "prod.json", tmp_path / "stag.json"
    fidelity("snapshot", "-c", config, "--env", "production", "-o", str(prod))
    fidelity("snapshot", "-c", config, "--env", "staging", "-o", str(stag))
    result = fidelity("diff", str(prod), str(stag), "--format", "json", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert findings(report)["app/app.env/LOG_LEVEL"]["status"] == "open"  # no rules without config


def test_all_formats_to_files_in_one_run(tmp_path: Path) -> None:
    outputs = {"json": "r.json", "html": "r.html", "markdown": "r.md", "junit": "r.xml", "terminal": "r.txt"}
    args = ["audit", "-c", str(DEMO / "fidelity.toml")]
    for fmt, name in outputs.items():
        args += ["--format", fmt, "-o", str(tmp_path / "out" / name)]
    result = fidelity(*args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "FAIL" in result.stderr  # the summary still reaches the person at the terminal
    for name in outputs.values():
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_snapshot_overwrites_atomically(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.write_text("old", encoding="utf-8")
    result = fidelity("snapshot", "-c", str(DEMO / "fidelity.toml"), "--env", "staging", "-o", str(target))
    assert result.returncode == 0, result.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["format"] == "fidelity-snapshot"
    assert doc["environment"] == "staging"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap.json"]  # no temporary files left


def test_copied_demo_runs_from_anywhere(tmp_path: Path) -> None:
    shutil.copytree(DEMO, tmp_path / "demo")
    result = fidelity("audit", cwd=tmp_path / "demo")  # ./fidelity.toml is the default config
    assert result.returncode == 1, result.stderr
