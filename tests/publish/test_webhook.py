"""Notifications go to a real HTTP server; failures warn and keep the audit's exit code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DEMO, fidelity
from support.webhook_receiver import webhook_server

SECRET_VALUES = ("Pr0d-Db-Passw0rd", "St4ging-Db-Passw0rd", "prod-session-secret-7f3a9c2e",
                 "staging-session-secret-1b2c", "sk_live_demo_51HxProdKey")


def demo_with_notify(tmp_path: Path, when: str, extra: str = "") -> Path:
    demo = tmp_path / "demo"
    shutil.copytree(DEMO, demo)
    config = demo / "fidelity.toml"
    config.write_text(config.read_text() + f'\n[notify]\nwebhook = "${{TEST_WEBHOOK_URL}}"\nwhen = "{when}"\n'
                      f'report_url = "https://ci.example.com/fidelity/latest.html"\n{extra}',
                      encoding="utf-8")
    return config


def test_message_carries_the_summary_and_never_a_secret(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always")
    with webhook_server() as (url, recorder):
        result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": url + "/services/T0/B0/XYZ"})
    assert result.returncode == 1
    assert recorder.paths == ["/services/T0/B0/XYZ"]
    text = recorder.payloads[0]["text"]
    assert text.startswith("fidelity: FAIL (reference production)")
    assert "staging: fail, score 82, fidelity 44.2%, 4 high, 9 medium, 6 low" in text
    assert "[high] staging: deps/requirements.txt/packages/redis" in text
    assert "https://ci.example.com/fidelity/latest.html" in text
    assert recorder.payloads[0]["blocks"][0]["type"] == "header"
    blob = repr(recorder.payloads)
    for secret in SECRET_VALUES:
        assert secret not in blob


@pytest.mark.parametrize(("when", "fail_on", "sent"), [
    ("on_fail", "high", True), ("on_fail", "never", False), ("always", "never", True)])
def test_when_setting(tmp_path: Path, when: str, fail_on: str, sent: bool) -> None:
    config = demo_with_notify(tmp_path, when)
    with webhook_server() as (url, recorder):
        fidelity("audit", "-c", str(config), "--fail-on", fail_on, env={"TEST_WEBHOOK_URL": url})
    assert bool(recorder.payloads) is sent


def test_on_change_posts_only_when_the_verdict_changes_or_drift_is_new(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "on_change")
    history = tmp_path / "reports"
    env_file = config.parent / "staging" / "app.env"
    with webhook_server() as (url, recorder):
        run = ["audit", "-c", str(config), "--report-dir", str(history)]
        fidelity(*run, env={"TEST_WEBHOOK_URL": url})
        assert len(recorder.payloads) == 1  # first run: nothing to compare with
        fidelity(*run, env={"TEST_WEBHOOK_URL": url})
        assert len(recorder.payloads) == 1  # same verdict, nothing new
        env_file.write_text(env_file.read_text() + "BRAND_NEW=1\n")
        fidelity(*run, env={"TEST_WEBHOOK_URL": url})
        assert len(recorder.payloads) == 2
        assert "1 new" in recorder.payloads[1]["text"]


def test_server_error_is_retried_once_then_warned(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always")
    with webhook_server() as (url, recorder):
        recorder.statuses = [500, 500]
        result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": url + "/hook/SECRET-PATH"})
    assert len(recorder.payloads) == 2
    assert result.returncode == 1  # the audit's own exit code
    assert "notification to 127.0.0.1 failed twice (HTTP 500)" in result.stderr
    assert "SECRET-PATH" not in result.stderr
    assert "Traceback" not in result.stderr


def test_one_failure_then_success_is_fine(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always")
    with webhook_server() as (url, recorder):
        recorder.statuses = [503]
        result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": url})
    assert len(recorder.payloads) == 2
    assert "failed" not in result.stderr


def test_timeout_is_bounded_and_warned(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always", "timeout = 0.5\n")
    with webhook_server() as (url, recorder):
        recorder.delay = 3.0
        result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": url})
    assert result.returncode == 1
    assert "timed out" in result.stderr  # the deadline fired; the run did not wait for the server


def test_unreachable_webhook_warns(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always")
    result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": "http://127.0.0.1:9/hook"})
    assert result.returncode == 1
    assert "notification to 127.0.0.1 failed twice" in result.stderr


def test_missing_webhook_variable_is_a_config_error_before_probing(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always")
    result = fidelity("audit", "-c", str(config), "-v")
    assert result.returncode == 2
    assert "TEST_WEBHOOK_URL is not set" in result.stderr
    assert "probing" not in result.stderr
