"""The demo's snapshots and reports stay byte-identical across refactors (timestamps and version aside).

The files beside this test were written by fidelity before the layout refactor, with
FIDELITY_SECRET_KEY=golden-key. A change to them is a change users see: update them only on purpose,
and say so in the CHANGELOG.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import fidelity

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo" / "fidelity.toml"
GOLDEN = Path(__file__).parent / "demo"
KEY = {"FIDELITY_SECRET_KEY": "golden-key"}
_VOLATILE = [
    (re.compile(r'"(taken_at|generated_at)": "[^"]*"'), r'"\1": "<time>"'),
    (re.compile(r'"tool_version": "[^"]*"'), '"tool_version": "<version>"'),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\+00:00|Z)"), "<time>"),
    (re.compile(r"fidelity \d+\.\d+\.\d+\S*"), "fidelity <version>"),
]


def normalised(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.parametrize("env", ["production", "staging"])
def test_snapshot_is_byte_identical(tmp_path: Path, env: str) -> None:
    out = tmp_path / f"snapshot-{env}.json"
    result = fidelity("snapshot", "-c", str(DEMO), "--env", env, "-o", str(out), env=KEY)
    assert result.returncode == 0, result.stderr
    golden = (GOLDEN / out.name).read_text(encoding="utf-8")
    assert normalised(out.read_text(encoding="utf-8")) == normalised(golden)


@pytest.mark.parametrize(("fmt", "name"), [("json", "report.json"), ("markdown", "report.md"),
                                           ("junit", "report.xml")])
def test_audit_report_is_byte_identical(tmp_path: Path, fmt: str, name: str) -> None:
    out = tmp_path / name
    result = fidelity("audit", "-c", str(DEMO), "--format", fmt, "-o", str(out), env=KEY)
    assert result.returncode == 1, result.stderr  # the demo has drift
    golden = (GOLDEN / name).read_text(encoding="utf-8")
    assert normalised(out.read_text(encoding="utf-8")) == normalised(golden)


def test_diff_of_golden_snapshots_gives_the_golden_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = fidelity("diff", str(GOLDEN / "snapshot-production.json"), str(GOLDEN / "snapshot-staging.json"),
                      "-c", str(DEMO), "--format", "json", "-o", str(out), env=KEY)
    assert result.returncode == 1, result.stderr
    assert normalised(out.read_text(encoding="utf-8")) == normalised((GOLDEN / "report.json").read_text(
        encoding="utf-8"))
