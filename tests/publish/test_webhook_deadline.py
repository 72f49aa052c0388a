"""[notify] never raises and never holds a run: one total deadline, bad settings refused or warned."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import fidelity
from support.trickling import trickling_port
from test_webhook import demo_with_notify

TRICKLE_SECONDS = 600  # the server would take 10 minutes to send its answer


@contextmanager
def trickling_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 that answers one byte a second, for ten minutes."""
    with trickling_port(TRICKLE_SECONDS) as port:
        yield f"http://127.0.0.1:{port}/hook/SECRET-PATH"


def test_a_trickling_server_does_not_hold_the_run(tmp_path: Path) -> None:
    config = demo_with_notify(tmp_path, "always", "timeout = 2\n")
    with trickling_server() as url:
        # fidelity() gives up after 120 s; the server would trickle for 600 s.
        result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": url})
    assert result.returncode == 1, result.stderr  # the audit's own exit code
    assert "notification to 127.0.0.1 failed (timed out" in result.stderr
    assert "the audit result is unchanged" in result.stderr
    assert "SECRET-PATH" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("url", "problem"), [
    ("ftp://hooks.example.com/x", "expected an http:// or https:// URL (scheme is 'ftp')"),
    ("hooks.example.com/x", "expected an http:// or https:// URL (scheme is none)"),
    ("http:///services/x", "expected an http(s) URL with a host name"),
    ("https://hooks.example.com:99999/x", "not a valid URL"),
    ("https://hooks.example.com/a b", "without spaces or control characters"),
    ("http://[::1/x", "not a valid URL"),
])
def test_a_bad_webhook_url_is_a_config_error_before_probing(tmp_path: Path, url: str, problem: str) -> None:
    config = demo_with_notify(tmp_path, "always")
    result = fidelity("audit", "-c", str(config), "-v", env={"TEST_WEBHOOK_URL": url})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fidelity: error: {config}: [notify] webhook: ")
    assert problem in lines[0]
    assert "probing" not in result.stderr


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "0", "-1", "1e300"])
def test_a_bad_notify_timeout_is_a_config_error(tmp_path: Path, timeout: str) -> None:
    config = demo_with_notify(tmp_path, "always", f"timeout = {timeout}\n")
    result = fidelity("audit", "-c", str(config), env={"TEST_WEBHOOK_URL": "https://hooks.example.com/x"})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fidelity: error: {config}: [notify] timeout: expected a finite number "
                               "> 0 and <= 3600, got ")
