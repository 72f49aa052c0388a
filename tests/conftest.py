"""Shared fixtures: small real reports and a tiny fake probe for testing the other layers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from fidelity.config import Config, ProbeConfig, Rule, RuleAction
from fidelity.model import AuditReport, Category, Severity
from fidelity.policy import Policy, RuleSet, build_report
from fidelity.probe import Probe, ProbeResult, registry
from fidelity.probe.options import Kind, Option
from fidelity.snapshot import ProbeSnapshot, Snapshot
from tests.support import pg_majors

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo"
HOSTILE_KEY = "<script>alert('k')</script>/x~y é"
HOSTILE_VALUE = "<b>bold</b> & \"quoted\" 'single' ünïcødé"


class FakeProbe(Probe):
    """Returns the data it was configured with; used to test diff, rules and reporters."""

    type_name = "fake"
    category = Category.CONFIG
    description = "returns fixed data (tests only)"
    option_schema = (Option("data", Kind.TABLE, "data to return", {}),)

    def collect(self) -> ProbeResult:
        return ProbeResult(data=dict(self.options.get("data") or {}))


@pytest.fixture(autouse=True)
def _register_fake_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the `fake` probe type available next to the installed ones."""
    types = dict(registry.probe_types())
    types["fake"] = FakeProbe
    monkeypatch.setattr(registry, "probe_types", lambda: types)


def snapshot_of(environment: str, probes: dict[str, Any], key_id: str = "k1") -> Snapshot:
    """A snapshot whose probes are all `fake` with the given data."""
    return Snapshot(
        environment=environment, taken_at="2026-11-27T00:00:00+00:00", tool_version="test",
        secret_key_id=key_id,
        probes={name: ProbeSnapshot(type="fake", status="ok", data=data) for name, data in probes.items()},
    )


REFERENCE_DATA: dict[str, Any] = {
    "app": {
        "app.env": {"LOG_LEVEL": "info", "WORKERS": 8, "FEATURE_X": "on", HOSTILE_KEY: HOSTILE_VALUE,
                    "API_TOKEN": "[secret:" + "a" * 32 + "]"},
        "settings.yaml": {"db": {"host": "db.prod.internal", "pool": 20}},
    },
}
CANDIDATE_DATA: dict[str, Any] = {
    "app": {
        "app.env": {"LOG_LEVEL": "debug", "WORKERS": 2, "NEW_FLAG": "1", HOSTILE_KEY: "<i>other</i>",
                    "API_TOKEN": "[secret:" + "b" * 32 + "]"},
        "settings.yaml": {"db": {"host": "db.staging.internal", "pool": 20}},
    },
}


@pytest.fixture
def make_report() -> Callable[..., AuditReport]:
    """Build a real report by diffing two fake snapshots with optional rules."""

    def make(reference: dict[str, Any] | None = None, candidate: dict[str, Any] | None = None,
             rules: Sequence[Rule] = (), fail_on: Severity | None = Severity.HIGH,
             max_score: int | None = None) -> AuditReport:
        ref = snapshot_of("production", reference if reference is not None else REFERENCE_DATA)
        cand = snapshot_of("staging", candidate if candidate is not None else CANDIDATE_DATA)
        policy = Policy(RuleSet(rules, dt.date(2026, 11, 27)), (), fail_on, max_score)
        return build_report(ref, [cand], policy)

    return make


@pytest.fixture
def sample_report(make_report: Callable[..., AuditReport]) -> AuditReport:
    """A report with every change kind, several severities, an expected and an ignored finding."""
    rules = [
        Rule("app/app.env/LOG_LEVEL", RuleAction.EXPECT, reason="verbose logging in staging"),
        Rule("app/app.env/WORKERS", RuleAction.SEVERITY, severity=Severity.LOW, reason="smaller box"),
        Rule("app/settings.yaml/db/host", RuleAction.IGNORE, reason="hosts differ by design"),
        Rule("app/**/FEATURE_X", RuleAction.EXPECT, reason="old", expires=dt.date(2026, 1, 1)),
    ]
    return make_report(rules=rules)



def two_env_config(paths: str, extra: str = "") -> str:
    """A fidelity.toml with production and staging and one `config_files` probe named app."""
    return ('[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
            f'[probes.app]\ntype = "config_files"\npaths = {paths}\n{extra}')


def fidelity(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """Run the real command in a subprocess, as a user or a pipeline would."""
    inherited = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # the report fits COLUMNS
    full_env = {**inherited, **(env or {})}
    full_env.pop("FIDELITY_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "fidelity", *args], capture_output=True, text=True,
                          cwd=cwd, env=full_env, timeout=120, check=False)


def probe_named(config: Config, name: str) -> ProbeConfig:
    """The configured probe called `name`."""
    return next(p for p in config.probes if p.name == name)


@pytest.fixture(scope="session")
def pg_major() -> Iterator[Callable[[int], pg_majors.Server]]:
    """`pg_major(17)`: a PostgreSQL 17 server of tests/support/pg_majors.py, started once per session.
    A major that cannot be had fails the test under CI (CI set) and skips it elsewhere."""
    servers = pg_majors.Servers()

    def get(major: int) -> pg_majors.Server:
        try:
            return servers.get(major)
        except pg_majors.Unavailable as exc:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL {major} is required under CI: {exc}")
            pytest.skip(f"PostgreSQL {major} is not available here (under CI this test fails): {exc}")

    yield get
    servers.stop()
