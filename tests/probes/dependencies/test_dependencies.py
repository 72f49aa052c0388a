"""The dependencies probe: format detection, version distance, severities, and a whole audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidelity.model import Category, Change, Severity
from fidelity.policy import Policy, build_report
from fidelity.probe import DiffChange, ProbeContext, ProbeResult
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.dependencies import DependenciesProbe
from probes.dependencies.formats import FORMATS, guess_format
from probes.dependencies.severity import Step, classify, describe_step

FIXTURES = Path(__file__).parent / "fixtures" / "deps"


def collect(environment: str = "staging", **options: Any) -> ProbeResult:
    opts = {o.name: o.default for o in DependenciesProbe.option_schema} | options
    return DependenciesProbe("deps", opts, ProbeContext(environment, SecretKeeper(b"k"))).collect()


@pytest.mark.parametrize(("path", "fmt"), [
    ("requirements.txt", "requirements"), ("deploy/requirements-prod.txt", "requirements"),
    ("dev-requirements.txt", "requirements"), ("poetry.lock", "poetry-lock"), ("uv.lock", "uv-lock"),
    ("Pipfile.lock", "pipfile-lock"), ("web/package-lock.json", "package-lock"),
    ("npm-shrinkwrap.json", "package-lock"), ("yarn.lock", "yarn-lock"), ("pnpm-lock.yaml", "pnpm-lock"),
    ("C:\\app\\YARN.LOCK", "yarn-lock"), ("freeze.txt", None), ("package.json", None),
])
def test_guess_format(path: str, fmt: str | None) -> None:
    assert guess_format(path) == fmt


def test_format_option_offers_every_parser() -> None:
    option = next(o for o in DependenciesProbe.option_schema if o.name == "format")
    assert option.choices == FORMATS
    assert len(FORMATS) == 8


@pytest.mark.parametrize(("ecosystem", "reference", "candidate", "step", "label"), [
    ("pypi", "4.2.1", "5.0.0", Step.MAJOR, "major upgrade"),
    ("pypi", "5.0.0", "4.2.1", Step.MAJOR, "major downgrade"),
    ("pypi", "4.2.1", "4.3.0", Step.MINOR, "minor upgrade"),
    ("pypi", "4.2.1", "4.2.7", Step.PATCH, "patch upgrade"),
    ("pypi", "4.2", "4.2.0.1", Step.PATCH, "patch upgrade"),
    ("pypi", "1!1.0", "2.0", Step.MAJOR, "major downgrade"),
    ("pypi", "1.0", "1.0.0", Step.NOTATION, "same version, written differently"),
    ("pypi", "2.0.0rc1", "2.0.0", Step.PRERELEASE, "pre-release upgrade"),
    ("pypi", "2.0.0", "2.0.0.dev3", Step.PRERELEASE, "pre-release downgrade"),
    ("pypi", "1.0.post1", "1.0", Step.POST, "post-release downgrade"),
    ("pypi", "2.1.0+cu118", "2.1.0+cpu", Step.LOCAL, "local version change"),
    ("pypi", ">=4", ">=5", Step.OTHER, "not comparable"),
    ("pypi", "git+https://host/r.git@v1", "1.0", Step.OTHER, "not comparable"),
    ("npm", "18.2.0", "17.0.2", Step.MAJOR, "major downgrade"),
    ("npm", "v1.2", "1.3.0", Step.MINOR, "minor upgrade"),
    ("npm", "0.14.0", "0.14.1", Step.PATCH, "patch upgrade"),
    ("npm", "1.2", "1.2.0", Step.NOTATION, "same version, written differently"),
    ("npm", "1.0.0-beta.1", "1.0.0", Step.PRERELEASE, "pre-release upgrade"),
    ("npm", "1.0.0+build.1", "1.0.0+build.2", Step.BUILD, "build metadata change"),
    ("npm", "npm:string-width@4.2.3", "4.2.0", Step.PATCH, "patch downgrade"),
    ("npm", "github:acme/widgets#1a2b3c", "2.0.0", Step.OTHER, "not comparable"),
])
def test_classify(ecosystem: str, reference: str, candidate: str, step: Step, label: str) -> None:
    found, order = classify(ecosystem, reference, candidate)
    assert found is step
    assert describe_step(found, order) == label


@pytest.mark.parametrize(("step", "severity"), [
    (Step.MAJOR, Severity.HIGH), (Step.MINOR, Severity.MEDIUM), (Step.PATCH, Severity.LOW),
    (Step.PRERELEASE, Severity.LOW), (Step.POST, Severity.LOW), (Step.LOCAL, Severity.LOW),
    (Step.BUILD, Severity.LOW), (Step.NOTATION, Severity.LOW), (Step.OTHER, Severity.LOW),
])
def test_step_severity(step: Step, severity: Severity) -> None:
    assert step.severity is severity


def _versions(suffixes: list[str]) -> st.SearchStrategy[str]:
    part = st.integers(0, 12)
    return st.builds(lambda a, b, c, s: f"{a}.{b}.{c}{s}", part, part, part, st.sampled_from(suffixes))


@given(data=st.data(), ecosystem=st.sampled_from(["pypi", "npm"]))
def test_classification_is_antisymmetric(data: st.DataObject, ecosystem: str) -> None:
    suffixes = (["", "rc1", "a2", ".post1", ".dev0", "+local", "junk"] if ecosystem == "pypi"
                else ["", "-beta.1", "-rc.2", "+build.5", "-"])
    a, b = data.draw(_versions(suffixes)), data.draw(_versions(suffixes))
    step, order = classify(ecosystem, a, b)
    assert classify(ecosystem, b, a) == (step, -order)
    assert describe_step(step, order).replace("upgrade", "x").replace("downgrade", "x") == \
        describe_step(step, -order).replace("upgrade", "x").replace("downgrade", "x")


TREE = {"requirements.txt": {"ecosystem": "pypi", "packages": {}},
        "yarn.lock": {"ecosystem": "npm", "packages": {}}}


@pytest.mark.parametrize(("change", "severity", "message"), [
    (DiffChange(("requirements.txt", "packages", "django"), Change.CHANGED, "4.2.1", "5.0.0"),
     Severity.HIGH, "django: 4.2.1 → 5.0.0 (major upgrade)"),
    (DiffChange(("yarn.lock", "packages", "lodash"), Change.CHANGED, "4.17.21", "4.17.20"),
     Severity.LOW, "lodash: 4.17.21 → 4.17.20 (patch downgrade)"),
    (DiffChange(("requirements.txt", "packages", "celery"), Change.CHANGED, ">=5.3", "<6,>=5.3"),
     Severity.LOW, "celery: >=5.3 → <6,>=5.3 (not comparable)"),
    (DiffChange(("requirements.txt", "packages", "sentry-sdk"), Change.MISSING, "1.38.0", None),
     Severity.HIGH, "sentry-sdk 1.38.0 is missing from the candidate"),
    (DiffChange(("yarn.lock", "packages", "left-pad"), Change.EXTRA, None, "1.3.0"),
     Severity.MEDIUM, "left-pad 1.3.0 is only in the candidate"),
    (DiffChange(("yarn.lock",), Change.MISSING, {"ecosystem": "npm", "packages": {}}, None),
     Severity.HIGH, "dependency file yarn.lock is missing from the candidate"),
    (DiffChange(("poetry.lock",), Change.EXTRA, None, {"ecosystem": "pypi", "packages": {}}),
     Severity.MEDIUM, "poetry.lock is only in the candidate"),
    (DiffChange(("deps.lock", "ecosystem"), Change.CHANGED, "pypi", "npm"),
     Severity.MEDIUM, "deps.lock: ecosystem pypi → npm"),
], ids=["major", "patch-down", "specifier", "missing", "extra", "file-missing", "file-extra", "ecosystem"])
def test_assess(change: DiffChange, severity: Severity, message: str) -> None:
    assessment = DependenciesProbe.assess(change, TREE, TREE)
    assert (assessment.severity, assessment.message) == (severity, message)
    assert assessment.category is Category.DEPENDENCY


def test_severity_notes_cover_every_default() -> None:
    notes = dict(DependenciesProbe.severity_notes)
    assert notes["package missing from the candidate"] is Severity.HIGH
    assert notes["minor version change"] is Severity.MEDIUM
    assert {step.severity for step in Step} <= set(notes.values())


def test_collect_reads_each_file_with_its_ecosystem() -> None:
    result = collect(paths=[str(FIXTURES / "requirements.txt"), str(FIXTURES / "yarn.lock"),
                            {"path": str(FIXTURES / "freeze.txt"), "format": "pip-freeze"}])
    assert result.gaps == ()
    assert {name: part["ecosystem"] for name, part in result.data.items()} == {
        "requirements.txt": "pypi", "yarn.lock": "npm", "freeze.txt": "pypi"}
    assert result.data["yarn.lock"]["packages"]["@babel/core"] == "7.23.5"
    shown = json.dumps(result.data)
    assert "tok3n" not in shown
    assert "s3cr3tpw" not in shown


def test_unknown_format_is_a_gap_that_says_to_set_format() -> None:
    result = collect(paths=[str(FIXTURES / "freeze.txt")])
    assert result.data == {}
    (gap,) = result.gaps
    assert (gap.object, gap.segments) == ("freeze.txt", ("freeze.txt",))
    assert "freeze.txt" in gap.message
    assert "set `format`" in gap.message


def test_garbage_lockfile_is_a_gap_with_file_and_line(tmp_path: Path) -> None:
    good, bad = tmp_path / "requirements.txt", tmp_path / "yarn.lock"
    good.write_text("django==4.2.7\n")
    bad.write_text('lodash@^4:\n  version "4.17.21"\n\n<<<<<<< HEAD\n')
    result = collect(paths=[str(good), str(bad)])
    assert result.data == {"requirements.txt": {"ecosystem": "pypi", "packages": {"django": "4.2.7"}}}
    (gap,) = result.gaps
    assert (gap.object, gap.segments) == ("yarn.lock", ("yarn.lock",))
    assert gap.message == f"{bad}, line 4: expected an entry header such as `name@^1.0.0:`"


def test_missing_file_is_a_gap(tmp_path: Path) -> None:
    result = collect(paths=[str(tmp_path / "poetry.lock")])
    assert [g.object for g in result.gaps] == ["poetry.lock"]


def test_reads_pip_freeze_from_a_command() -> None:
    script = "print('Django==4.2.7'); print('-e git+https://bot:pw123@git.example.com/a/b.git#egg=b')"
    result = collect(command=[sys.executable, "-c", script], format="pip-freeze", output_name="pip-freeze")
    assert result.data == {"pip-freeze": {"ecosystem": "pypi", "packages": {
        "django": "4.2.7", "b": "git+https://bot:***@git.example.com/a/b.git#egg=b"}}}


PRODUCTION_REQUIREMENTS = """\
--index-url https://deploy:tok3n@pypi.internal.example.com/simple
django==4.2.7 \\
    --hash=sha256:8e0f1c2c2786b5c0e39fe1afce24c926040fad47c8ea8ad30aaf1188df29fc41
requests==2.31.0
urllib3==2.0.7
sentry-sdk[django]==1.38.0
"""
STAGING_REQUIREMENTS = """\
--index-url https://deploy:tok3n@pypi.internal.example.com/simple
Django==5.0.1
requests==2.32.0
urllib3==2.0.6
django-debug-toolbar==4.2.0
"""


def _package_lock(packages: dict[str, str]) -> str:
    entries: dict[str, Any] = {"": {"name": "web", "version": "1.0.0"}}
    entries |= {f"node_modules/{name}" if "node_modules" not in name else name: {"version": version}
                for name, version in packages.items()}
    return json.dumps({"name": "web", "lockfileVersion": 3, "packages": entries}, indent=2)


def _snapshot(environment: str, root: Path) -> Snapshot:
    paths = [str(root / environment / "requirements.txt"), str(root / environment / "package-lock.json")]
    result = collect(environment, paths=paths)
    probe = ProbeSnapshot(type="dependencies", status="ok", data=plain(result.data), gaps=result.gaps)
    return Snapshot(environment=environment, taken_at="2026-11-27T00:00:00+00:00", tool_version="test",
                    secret_key_id="k1", probes={"deps": probe})


def test_end_to_end_audit(tmp_path: Path) -> None:
    nested = "node_modules/send/node_modules/ms"
    for environment, requirements, npm in [
        ("production", PRODUCTION_REQUIREMENTS,
         {"@babel/runtime": "7.23.5", "react": "18.2.0", nested: "2.1.3"}),
        ("staging", STAGING_REQUIREMENTS,
         {"@babel/runtime": "7.23.6", "react": "18.2.0", nested: "3.0.0-canary.1"}),
    ]:
        (tmp_path / environment).mkdir()
        (tmp_path / environment / "requirements.txt").write_text(requirements)
        (tmp_path / environment / "package-lock.json").write_text(_package_lock(npm))

    report = build_report(_snapshot("production", tmp_path), [_snapshot("staging", tmp_path)], Policy())

    assert report.errors == ()
    (comparison,) = report.comparisons
    found = {f.path: (f.change, f.severity, f.message) for f in comparison.findings}
    assert found == {
        "deps/requirements.txt/packages/django":
            (Change.CHANGED, Severity.HIGH, "django: 4.2.7 → 5.0.1 (major upgrade)"),
        "deps/requirements.txt/packages/sentry-sdk":
            (Change.MISSING, Severity.HIGH, "sentry-sdk 1.38.0 is missing from the candidate"),
        "deps/requirements.txt/packages/requests":
            (Change.CHANGED, Severity.MEDIUM, "requests: 2.31.0 → 2.32.0 (minor upgrade)"),
        "deps/requirements.txt/packages/django-debug-toolbar":
            (Change.EXTRA, Severity.MEDIUM, "django-debug-toolbar 4.2.0 is only in the candidate"),
        "deps/requirements.txt/packages/urllib3":
            (Change.CHANGED, Severity.LOW, "urllib3: 2.0.7 → 2.0.6 (patch downgrade)"),
        "deps/package-lock.json/packages/@babel~1runtime":
            (Change.CHANGED, Severity.LOW, "@babel/runtime: 7.23.5 → 7.23.6 (patch upgrade)"),
        "deps/package-lock.json/packages/ms (via send)":
            (Change.CHANGED, Severity.HIGH, "ms (via send): 2.1.3 → 3.0.0-canary.1 (major upgrade)"),
    }
    assert {f.category for f in comparison.findings} == {Category.DEPENDENCY}
    assert comparison.verdict.value == "fail"
    assert "tok3n" not in repr(report)
