"""Baselines: adopt fidelity on a drifted staging; only new drift fails the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO, fidelity


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(DEMO, tmp_path / "demo")
    return tmp_path / "demo"


KEY = {"FIDELITY_SECRET_KEY": "baseline-test-key"}


def record(demo: Path, target: Path, *extra: str, env: dict[str, str] | None = None) -> Any:
    return fidelity("baseline", "-c", str(demo / "fidelity.toml"), "-o", str(target), *extra, env=env)


def audit_json(demo: Path, *extra: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--format", "json", *extra, env=env)
    return result.returncode, json.loads(result.stdout)


def test_baseline_file_is_reviewable_and_stable(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "fidelity-baseline.json"
    result = record(demo, target, "--reason", "adopted 2026-11", env=KEY)
    assert result.returncode == 0, result.stderr
    assert "FIDELITY_SECRET_KEY is not set" not in result.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["format"] == "fidelity-baseline"
    entries = doc["findings"]
    keys = [(e["environment"], e["path"], e["change"]) for e in entries]
    assert keys == sorted(keys)
    assert {e["reason"] for e in entries} == {"adopted 2026-11"}
    assert "app/app.env/LOG_LEVEL" not in {e["path"] for e in entries}  # expected ones are not recorded
    assert target.read_text(encoding="utf-8").count("\n") > len(entries) * 5  # one field per line
    again = tmp_path / "again.json"
    record(demo, again, "--reason", "adopted 2026-11", env=KEY)
    assert json.loads(again.read_text())["findings"] == entries  # same drift, same entries


def test_changed_secret_is_new_again_under_a_shared_key(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    assert record(demo, target, env=KEY).returncode == 0
    assert audit_json(demo, "--baseline", str(target), env=KEY)[0] == 0
    app_env = demo / "staging" / "app.env"
    app_env.write_text(app_env.read_text().replace("staging-session-secret-1b2c", "rotated-secret-9z"))
    code, report = audit_json(demo, "--baseline", str(target), "--fail-on", "low", env=KEY)
    open_paths = [f["path"] for f in report["comparisons"][0]["findings"] if f["status"] == "open"]
    assert open_paths == ["app/app.env/SESSION_SECRET"]
    assert code == 1


def test_without_a_shared_key_secrets_match_on_the_rest_and_a_warning_says_so(demo: Path,
                                                                              tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    result = record(demo, target)
    assert "FIDELITY_SECRET_KEY is not set" in result.stderr
    code, report = audit_json(demo, "--baseline", str(target), "--fail-on", "low")
    assert code == 0
    assert "open" not in {f["status"] for f in report["comparisons"][0]["findings"]}


def test_baselined_findings_leave_the_gate_and_changed_values_count_again(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    assert record(demo, target).returncode == 0
    code, report = audit_json(demo, "--baseline", str(target))
    assert code == 0
    statuses = {f["status"] for f in report["comparisons"][0]["findings"]}
    assert statuses == {"baselined", "expected", "ignored"}
    assert report["comparisons"][0]["score"] == 0
    requirements = demo / "staging" / "requirements.txt"
    requirements.write_text(requirements.read_text().replace("redis==4.6.0", "redis==3.5.3"))
    code, report = audit_json(demo, "--baseline", str(target))
    assert code == 1
    open_paths = [f["path"] for f in report["comparisons"][0]["findings"] if f["status"] == "open"]
    assert open_paths == ["deps/requirements.txt/packages/redis"]


def test_baseline_from_config(demo: Path, tmp_path: Path) -> None:
    target = demo / "accepted.json"
    assert record(demo, target).returncode == 0
    config = demo / "fidelity.toml"
    text = config.read_text().replace('fail_on = "high"', 'fail_on = "high"\nbaseline = "accepted.json"')
    config.write_text(text)
    code, _ = audit_json(demo)
    assert code == 0


def test_existing_baseline_is_not_overwritten_without_force(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    assert record(demo, target).returncode == 0
    doc = json.loads(target.read_text())
    doc["findings"][0]["reason"] = "hand-written: ticket OPS-42"
    target.write_text(json.dumps(doc, indent=2))
    before = target.read_text()
    refused = record(demo, target)
    assert refused.returncode == 2
    assert "--force" in refused.stderr
    assert target.read_text() == before
    assert record(demo, target, "--force").returncode == 0
    kept = json.loads(target.read_text())["findings"][0]
    assert kept["reason"] == "hand-written: ticket OPS-42"


@pytest.mark.parametrize(
    "content", ["{", '{"format": "other"}', '{"format": "fidelity-baseline", "version": 9}'])
def test_bad_baseline_file_exits_2(demo: Path, tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--baseline", str(bad))
    assert result.returncode == 2
    assert str(bad) in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_incomplete_audit_writes_no_baseline(demo: Path, tmp_path: Path) -> None:
    (demo / "staging" / "settings.yaml").unlink()
    target = tmp_path / "baseline.json"
    result = record(demo, target)
    assert result.returncode == 3
    assert not target.exists()


@pytest.mark.parametrize(("change", "message"), [
    ({"version": 0}, "baseline version 0 is not supported"),
    ({"reference": 5}, "field 'reference' must be a string"),
    ({"secret_key_id": 5}, "field 'secret_key_id' must be a string"),
    ({"recorded_at": 5}, "field 'recorded_at' must be a string"),
    ({"findings": None}, "field 'findings' must be a list (an empty list accepts no finding)"),
    ({"findings": {}}, "field 'findings' must be a list (an empty list accepts no finding)"),
    ({"findings": [{"environment": "staging", "path": "app/x", "change": "gone"}]},
     "finding #1 needs environment and path (strings) and change (one of changed, extra, missing)"),
    ({"findings": [{"environment": None, "path": "app/x", "change": "changed"}]}, "finding #1 needs"),
    ({"findings": [{"environment": "staging", "path": 5, "change": "changed"}]}, "finding #1 needs"),
    ({"findings": ["x"]}, "finding #1 needs"),
    ({"reference": "staging"}, "the baseline was recorded against 'staging', but the reference is "
                               "'production'; record it again with `fidelity baseline`"),
])
def test_a_malformed_baseline_is_one_line_naming_the_field(demo: Path, tmp_path: Path, change: dict[str, Any],
                                                           message: str) -> None:
    """A baseline accepts findings out of the gate: one read wrongly would pass drift silently."""
    target = tmp_path / "accepted.json"
    assert record(demo, target).returncode == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    doc.update(change)
    target.write_text(json.dumps(doc), encoding="utf-8")
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--baseline", str(target))
    assert result.returncode == 2, result.stdout
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"fidelity: error: {target}: ")
    assert message in line


def test_a_baseline_nested_too_deeply_is_one_line(demo: Path, tmp_path: Path) -> None:
    target = tmp_path / "deep.json"
    target.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--baseline", str(target))
    assert result.returncode == 2
    assert result.stderr.strip() == (f"fidelity: error: {target}: not a readable baseline file "
                                     "(nested too deeply)")
