"""Nightly history: dated runs, new/resolved marks, retention, corrupt runs, concurrent writers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import DEMO, fidelity

from fidelity.publish.history import INDEX, LOCK_TIMEOUT
from fidelity.publish.history_runs import RUN_NAME_RE, read_runs


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """A private copy of the demo, so runs can change staging between audits."""
    shutil.copytree(DEMO, tmp_path / "demo")
    return tmp_path / "demo"


def audit(demo: Path, history: Path, *extra: str) -> dict[str, Any]:
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(history),
                      "--format", "json", *extra)
    assert result.returncode == 1, result.stderr
    assert "recorded run" in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def runs(history: Path) -> list[Path]:
    return sorted(p for p in history.iterdir() if p.is_dir() and RUN_NAME_RE.match(p.name))


def test_runs_are_dated_folders_with_reports_and_an_index(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    audit(demo, history)
    audit(demo, history)
    folders = runs(history)
    assert len(folders) == 2
    for folder in folders:
        assert (folder / "report.html").is_file()
        saved = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        assert saved["format"] == "fidelity-report"
    index = (history / INDEX).read_text(encoding="utf-8")
    for folder in folders:
        assert f'href="{folder.name}/report.html"' in index
    assert "<svg" in index
    assert "<polyline" in index
    assert "http://" not in index.replace("http://www.w3.org", "")
    assert "<script" not in index
    assert not [p for p in history.iterdir() if p.name.startswith(".tmp-")]


def test_new_and_resolved_since_the_previous_run(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    first = audit(demo, history)
    assert "resolved" not in first["comparisons"][0]  # nothing to compare the first run with
    env = demo / "staging" / "app.env"
    text = env.read_text(encoding="utf-8")
    text = text.replace("DEBUG_TOOLBAR=1\n", "").replace("EMAIL_BACKEND=console", "EMAIL_BACKEND=smtp")
    env.write_text(text + "NEW_THING=1\n", encoding="utf-8")
    second = audit(demo, history)
    comparison = second["comparisons"][0]
    new = {f["path"] for f in comparison["findings"] if f["new"]}
    assert new == {"app/app.env/NEW_THING"}
    resolved = {f["path"] for f in comparison["resolved"]}
    assert resolved == {"app/app.env/DEBUG_TOOLBAR", "app/app.env/EMAIL_BACKEND"}
    page = (runs(history)[-1] / "report.html").read_text(encoding="utf-8")
    assert "resolved since the previous run (2)" in page
    assert page.count('class="badge badge-new"') == 1


def test_keep_bounds_the_runs_and_rebuilds_the_index(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    config = demo / "fidelity.toml"
    config.write_text(config.read_text() + f'\n[history]\ndir = "{history}"\nkeep = 2\n', encoding="utf-8")
    names = []
    for _ in range(3):
        result = fidelity("audit", "-c", str(config), "--format", "json", "-o", str(tmp_path / "r.json"))
        assert result.returncode == 1, result.stderr
        names.append(runs(history)[-1].name)
    assert [p.name for p in runs(history)] == names[1:]
    index = (history / INDEX).read_text(encoding="utf-8")
    assert names[0] not in index
    assert all(name in index for name in names[1:])


def test_corrupt_run_is_skipped_with_a_warning(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    audit(demo, history)
    broken = runs(history)[0]
    (broken / "report.json").write_text("{ hand-edited", encoding="utf-8")
    stray = history / "notes-from-ops"
    stray.mkdir()
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(history))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"skipping run {broken}" in result.stderr
    index = (history / INDEX).read_text(encoding="utf-8")
    assert broken.name not in index
    assert stray.is_dir()  # folders that are not runs are never touched
    assert len(read_runs(history)) == 1


def test_a_run_nested_too_deeply_is_skipped_with_a_warning(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    audit(demo, history)
    broken = runs(history)[0]
    (broken / "report.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(history))
    assert result.returncode == 1
    assert "internal error" not in result.stderr
    assert f"skipping run {broken}" in result.stderr
    assert len(read_runs(history)) == 1


def test_unwritable_history_is_a_clear_error(demo: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(blocker / "sub"))
    assert result.returncode == 2
    assert "cannot write the history" in result.stderr
    assert "Traceback" not in result.stderr


def test_concurrent_audits_do_not_corrupt_the_history(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    command = [sys.executable, "-m", "fidelity", "audit", "-c", str(demo / "fidelity.toml"),
               "--report-dir", str(history), "--format", "json", "-o", "-"]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(6)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [1] * 6, [err for _, err in outputs]
    for out, _ in outputs:
        assert json.loads(out)["verdict"] == "fail"
    folders = runs(history)
    assert len(folders) == 6
    assert len(read_runs(history)) == 6
    index = (history / INDEX).read_text(encoding="utf-8")
    assert all(folder.name in index for folder in folders)
    assert not [p for p in history.iterdir() if p.name.startswith(".tmp-")]
    # Each run after the first saw exactly one predecessor, so only the first has no `new` marks.
    marked = [json.loads((f / "report.json").read_text())["comparisons"][0]["findings"][0].get("new")
              for f in folders]
    assert marked.count(None) == 1


def test_a_killed_run_leaves_nothing_that_lasts(demo: Path, tmp_path: Path) -> None:
    history = tmp_path / "reports"
    history.mkdir()
    old = time.time() - LOCK_TIMEOUT - 60
    stale = history / ".tmp-20260101T000000.000000Z-dead01"
    (stale / "deep").mkdir(parents=True)
    (stale / "deep" / "report.json").write_text("{half", encoding="utf-8")
    stale_index = history / f".{INDEX}.abc123.tmp"
    stale_index.write_text("<html", encoding="utf-8")
    for path in (stale / "deep" / "report.json", stale / "deep", stale, stale_index):
        os.utime(path, (old, old))
    fresh = history / ".tmp-20260101T000001.000000Z-live01"  # could belong to a run still writing
    fresh.mkdir()
    audit(demo, history)
    assert not stale.exists()
    assert not stale_index.exists()
    assert fresh.is_dir()


def test_a_run_that_cannot_be_written_whole_leaves_no_half_written_folder(demo: Path, tmp_path: Path) -> None:
    """A disk quota reached while the run's reports are written (files capped at 12 KB here: the
    demo's JSON report fits, its HTML report does not) is a one-line error, and neither a run folder
    nor its hidden staging folder is left in the history."""
    import resource

    history = tmp_path / "reports"
    history.mkdir()

    def capped() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (12 * 1024, 12 * 1024))

    result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "-c", str(demo / "fidelity.toml"),
                             "--report-dir", str(history), "--format", "json", "-o", os.devnull],
                            capture_output=True, text=True, preexec_fn=capped, timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "cannot write the history" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in history.iterdir() if p.name != ".fidelity-history.lock"] == []
