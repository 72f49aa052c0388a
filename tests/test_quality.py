"""The codebase stays ruff- and mypy-clean, and `fidelity --help` stays fast."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=600)


def test_ruff_clean() -> None:
    result = run("ruff", "check", "fidelity", "probes", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_clean() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_does_not_import_heavy_modules() -> None:
    code = ("import sys; from fidelity.cli import main; main(['--help']); "
            "heavy = {'jinja2', 'deepdiff', 'yaml', 'tabulate', 'psycopg', 'kubernetes', 'dotenv', "
            "'cryptography', 'redis', 'pymysql'}; "
            "print(sorted(heavy & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_loading_every_probe_type_leaves_the_drivers_unloaded() -> None:
    """Every audit loads the registry; only a probe that runs may pay for its driver."""
    code = ("import sys; from fidelity.probe import registry; types = registry.probe_types(); "
            "print(sorted(types), sorted({'psycopg', 'kubernetes', 'cryptography', 'http.client', 'redis', "
            "'pymysql'} & set(sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1].endswith(" []"), result.stdout
    assert "'postgres'" in result.stdout
