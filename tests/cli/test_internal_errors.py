"""No crash may look like drift: a bug exits 3 with one masked line, and the other reports are written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import DEMO

CONFIG = str(DEMO / "fidelity.toml")
SECRET = "hunter2-very-secret"

# Runs the real CLI in a subprocess after planting a bug in one stage, as a user would meet it.
RUNNER = """
import sys
import {module} as target
def broken(*args, **kwargs):
    raise RuntimeError("boom postgresql://admin:{secret}@db.internal/app password={secret}")
setattr({owner}, {name!r}, broken)
from fidelity.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_with_bug(module: str, owner: str, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    code = RUNNER.format(module=module, owner=owner, name=name, secret=SECRET)
    env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_a_crashing_reporter_exits_3_and_the_other_reports_are_written(tmp_path: Path) -> None:
    result = run_with_bug("fidelity.report.html", "target.HtmlReporter", "render",
                          "audit", "-c", CONFIG, "--format", "html", "-o", str(tmp_path / "r.html"),
                          "--format", "json", "-o", str(tmp_path / "r.json"))
    assert result.returncode == 3, result.stderr
    lines = [line for line in result.stderr.splitlines() if "internal error" in line]
    assert lines == [lines[0]]
    assert lines[0].startswith("fidelity: internal error: RuntimeError: boom")
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["format"] == "fidelity-report"
    assert not (tmp_path / "r.html").exists()


def test_a_crash_after_probing_never_exits_1() -> None:
    result = run_with_bug("fidelity.policy", "target", "build_report", "audit", "-c", CONFIG)
    assert result.returncode == 3, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("fidelity: internal error: RuntimeError: boom")
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr


def test_the_traceback_is_shown_with_debug_or_vv() -> None:
    for flags in (["--debug"], ["-vv"]):
        result = run_with_bug("fidelity.policy", "target", "build_report", "audit", *flags, "-c", CONFIG)
        assert result.returncode == 3, result.stderr
        assert "Traceback (most recent call last)" in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("fidelity: internal error: RuntimeError")
        assert SECRET not in result.stderr
