"""The worked plugin in examples/plugin, installed for real and driven through the real CLI.

The package is pip-installed into a temporary target and found through PYTHONPATH, exactly as
`importlib.metadata` finds any third-party probe: by its `fidelity.probes` entry point.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity

pytestmark = pytest.mark.slow  # building and installing the package takes several seconds

PLUGIN = Path(__file__).resolve().parents[2] / "examples" / "plugin"
HOSTILE_TABLE = 'a/b"c<script>'
HOSTILE_COLUMN = "x~y/é"

REFERENCE_SQL = f"""
PRAGMA user_version = 3;
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT DEFAULT 'anon');
CREATE INDEX users_name ON users (name);
CREATE TABLE orders (id INTEGER PRIMARY KEY, total NUMERIC NOT NULL DEFAULT 0);
CREATE TABLE audit_log (id INTEGER PRIMARY KEY, message TEXT);
CREATE TABLE "{HOSTILE_TABLE.replace('"', '""')}" ("{HOSTILE_COLUMN}" INTEGER, note TEXT);
"""
#: The reference, drifted: a column type changed, a table dropped, a table added, the
#: hostile table's hostile column retyped and user_version one behind.
CANDIDATE_SQL = (REFERENCE_SQL
                 .replace("user_version = 3", "user_version = 2")
                 .replace("total NUMERIC", "total REAL")
                 .replace("CREATE TABLE audit_log (id INTEGER PRIMARY KEY, message TEXT);",
                          "CREATE TABLE extra_t (k TEXT);")
                 .replace(f'"{HOSTILE_COLUMN}" INTEGER', f'"{HOSTILE_COLUMN}" TEXT'))
CONFIG = """
[audit]
reference = "production"
[environments.production]
[environments.staging]
[probes.db]
type = "sqlite"
path = "{env}.db"
"""


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _install_command(source: Path, target: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
    # Without `wheel` (or setuptools >= 70.1) the venv's setuptools cannot build a wheel by itself;
    # then let pip build in isolation from the configured index.
    if any(importlib.util.find_spec(m) for m in ("wheel", "setuptools.command.bdist_wheel")):
        command.append("--no-build-isolation")
    return [*command, str(source)]


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment variables under which `fidelity` sees the installed plugin."""
    root = tmp_path_factory.mktemp("plugin")
    source, target = root / "src", root / "site"
    # Build from a copy: an in-tree build would leave build/ and *.egg-info in the repository.
    skip = shutil.ignore_patterns("build", "*.egg-info", "*.db", "__pycache__")
    shutil.copytree(PLUGIN, source, ignore=skip)
    done = subprocess.run(_install_command(source, target), capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    pythonpath = os.pathsep.join(p for p in (str(target), os.environ.get("PYTHONPATH")) if p)
    return {"PYTHONPATH": pythonpath}


def _database(path: Path, sql: str) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript(sql)
    db.close()
    return path


def _project(tmp_path: Path, reference_sql: str, candidate_sql: str | None) -> Path:
    (tmp_path / "fidelity.toml").write_text(CONFIG, encoding="utf-8")
    _database(tmp_path / "production.db", reference_sql)
    if candidate_sql is not None:
        _database(tmp_path / "staging.db", candidate_sql)
    return tmp_path


def _audit(project: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    done = fidelity("audit", "--format", "json", cwd=project, env=env)
    assert done.stdout, done.stderr
    return done.returncode, json.loads(done.stdout)


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_probes_lists_the_plugin(plugin_env: dict[str, str]) -> None:
    done = fidelity("probes", env=plugin_env)
    assert done.returncode == 0, done.stderr
    assert "sqlite  (schema)" in done.stdout
    assert "exclude_tables" in done.stdout
    assert "a column's declared type changed" in done.stdout
    assert "failed to load" not in done.stderr


def test_drift_is_reported_with_escaped_paths_and_severities(tmp_path: Path,
                                                              plugin_env: dict[str, str]) -> None:
    project = _project(tmp_path, REFERENCE_SQL, CANDIDATE_SQL)
    before = _digests(project)
    code, report = _audit(project, plugin_env)
    assert code == 1, report
    [comparison] = report["comparisons"]
    found = {(f["path"], f["change"], f["severity"]) for f in comparison["findings"]}
    hostile = f"db/tables/{_escape(HOSTILE_TABLE)}"
    assert found == {
        ("db/tables/orders/columns/total/type", "changed", "high"),
        ("db/tables/audit_log", "missing", "high"),
        ("db/tables/extra_t", "extra", "medium"),
        (f"{hostile}/columns/{_escape(HOSTILE_COLUMN)}/type", "changed", "high"),
        ("db/user_version", "changed", "medium"),
    }
    assert hostile == 'db/tables/a~1b"c<script>'
    assert _digests(project) == before  # read-only: no file changed, no journal or WAL file appeared


def test_identical_databases_pass(tmp_path: Path, plugin_env: dict[str, str]) -> None:
    code, report = _audit(_project(tmp_path, REFERENCE_SQL, REFERENCE_SQL), plugin_env)
    assert code == 0, report
    assert report["comparisons"][0]["findings"] == []
    assert report["comparisons"][0]["compared_leaves"] > 0


def test_missing_database_is_a_one_line_error_naming_the_file(tmp_path: Path,
                                                               plugin_env: dict[str, str]) -> None:
    project = _project(tmp_path, REFERENCE_SQL, None)
    code, report = _audit(project, plugin_env)
    assert code == 3, report
    [error] = report["errors"]
    assert (error["environment"], error["probe"]) == ("staging", "db")
    assert str(project / "staging.db") in error["message"]
    assert "\n" not in error["message"]
    text = fidelity("audit", cwd=project, env=plugin_env)
    assert text.returncode == 3
    assert [line for line in text.stdout.splitlines() if "staging.db" in line]
    assert not (project / "staging.db").exists()  # opening read-only never creates the file


def test_not_a_database_is_an_error(tmp_path: Path, plugin_env: dict[str, str]) -> None:
    project = _project(tmp_path, REFERENCE_SQL, None)
    (project / "staging.db").write_text("just text, " * 100, encoding="utf-8")
    code, report = _audit(project, plugin_env)
    assert code == 3, report
    [error] = report["errors"]
    assert "staging.db" in error["message"]
    assert "not a database" in error["message"]


def test_a_table_that_cannot_be_read_is_a_gap(tmp_path: Path, plugin_env: dict[str, str]) -> None:
    project = _project(tmp_path, REFERENCE_SQL, REFERENCE_SQL)
    with sqlite3.connect(project / "staging.db") as db:  # a virtual table whose module is not loaded
        db.execute("PRAGMA writable_schema = ON")
        db.execute("UPDATE sqlite_master SET sql = 'CREATE VIRTUAL TABLE audit_log USING nosuchmodule(x)' "
                   "WHERE name = 'audit_log'")
    db.close()
    code, report = _audit(project, plugin_env)
    assert code == 3, report
    [error] = report["errors"]
    assert "audit_log" in (error["object"] or "")
    assert "nosuchmodule" in error["message"]
    assert report["comparisons"][0]["findings"] == []  # the unreadable table is unknown, not missing


def test_the_worked_example_runs_as_documented(tmp_path: Path, plugin_env: dict[str, str]) -> None:
    example = shutil.copytree(PLUGIN / "example", tmp_path / "example",
                              ignore=shutil.ignore_patterns("*.db"))
    made = subprocess.run([sys.executable, "make_databases.py"], cwd=example, capture_output=True,
                          text=True, timeout=60, check=False)
    assert made.returncode == 0, made.stderr
    code, report = _audit(example, plugin_env)
    assert code == 1, report
    found = {f["path"]: (f["severity"], f["status"]) for f in report["comparisons"][0]["findings"]}
    assert found["db/tables/orders/columns/total/type"] == ("high", "open")
    assert found["db/tables/audit_log"] == ("high", "open")
    assert found["db/user_version"] == ("medium", "expected")
    assert not any("scratch" in path for path in found)  # exclude_tables


def test_the_example_stays_typed_and_lint_clean() -> None:
    """Plugin authors copy this file: it must pass `mypy --strict` and the repository's ruff rules."""
    for tool in (["mypy", "--strict", "--no-incremental"], ["ruff", "check"]):
        done = subprocess.run([sys.executable, "-m", *tool, str(PLUGIN)], cwd=PLUGIN.parents[1],
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
