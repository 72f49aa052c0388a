"""Probe types come from the entry-point group `fidelity.probes`, for built-ins and plugins alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import pytest

from fidelity.model import Category, Severity
from fidelity.probe import registry
from fidelity.probe.options import Kind

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = '''
from fidelity.model import Category
from fidelity.probe.options import Kind, Option
from fidelity.probe import Probe, ProbeError, ProbeResult


class WeatherProbe(Probe):
    type_name = "weather"
    category = Category.INFRASTRUCTURE
    description = "reports the weather in each environment (third-party test plugin)"
    option_schema = (Option("sky", Kind.STRING, "what the sky looks like", required=True),)

    def collect(self):
        if self.options["sky"] == "broken":
            raise ProbeError("the sky is broken; fix the sky")
        return ProbeResult(data={"sky": self.options["sky"]})
'''


def install_plugin(root: Path) -> dict[str, str]:
    (root / "weather_probe.py").write_text(PLUGIN, encoding="utf-8")
    info = root / "weather_probe-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: weather-probe\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[fidelity.probes]\nweather = weather_probe:WeatherProbe\n")
    return {**os.environ, "PYTHONPATH": str(root)}


def test_third_party_probe_plugs_in_like_builtins(tmp_path: Path) -> None:
    env = install_plugin(tmp_path)
    listed = subprocess.run([sys.executable, "-m", "fidelity", "probes"], capture_output=True, text=True,
                            env=env, check=True)
    assert "weather  (infrastructure)" in listed.stdout
    assert "config_files  (config)" in listed.stdout
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.sky]\ntype = "weather"\nsky = "blue"\n[probes.sky.staging]\nsky = "grey"\n',
        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "fidelity", "audit", "--format", "json"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    report = json.loads(result.stdout)
    finding = report["comparisons"][0]["findings"][0]
    assert (finding["path"], finding["category"], finding["reference"], finding["candidate"]) == (
        "sky/sky", "infrastructure", "blue", "grey")
    assert result.returncode == 0  # a medium change passes the default gate
    (tmp_path / "fidelity.toml").write_text(
        (tmp_path / "fidelity.toml").read_text().replace('"grey"', '"broken"'), encoding="utf-8")
    broken = subprocess.run([sys.executable, "-m", "fidelity", "audit", "--format", "json"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert broken.returncode == 3
    assert json.loads(broken.stdout)["errors"][0]["message"] == "the sky is broken; fix the sky"


def test_broken_plugin_is_skipped_with_a_warning(tmp_path: Path) -> None:
    env = install_plugin(tmp_path)
    (tmp_path / "weather_probe.py").write_text("raise ImportError('plugin is broken')\n")
    result = subprocess.run([sys.executable, "-m", "fidelity", "probes"], capture_output=True, text=True,
                            env=env, check=False)
    assert result.returncode == 0
    assert "config_files" in result.stdout
    assert "'weather'" in result.stderr
    assert "plugin is broken" in result.stderr


#: Built-in probe types: the entry points that fidelity's own distribution declares.
BUILTINS = sorted(e.name for e in distribution("fidelity").entry_points if e.group == registry.GROUP)


@pytest.mark.parametrize("type_name", BUILTINS)
def test_builtin_probe_conformance(type_name: str) -> None:
    """Every built-in probe type declares what the registry, config and docs rely on."""
    cls = registry.get(type_name)
    assert cls is not None, f"{type_name} is not registered under fidelity.probes"
    assert cls.type_name == type_name
    assert isinstance(cls.category, Category)
    assert cls.description
    assert "\n" not in cls.description
    assert cls.__doc__
    for option in cls.option_schema:
        assert option.doc, f"{type_name}.{option.name} has no doc"
        if option.default is not None and option.kind is not Kind.ANY:
            option.validate(option.default)
    assert all(isinstance(s, Severity) for s in cls.severities.values())
    assert cls.severity_notes, f"{type_name} documents no default severities"
    page = ROOT / "docs" / "probes" / f"{type_name}.md"
    assert page.is_file(), f"{page} is missing"
    docs = page.read_text(encoding="utf-8")
    assert docs.startswith(f"# {type_name}\n")
    for option in cls.option_schema:
        assert f"`{option.name}`" in docs, f"{type_name}: option {option.name} is not documented in {page}"
    index = (ROOT / "docs" / "probes.md").read_text(encoding="utf-8")
    assert f"(probes/{type_name}.md)" in index, f"docs/probes.md does not link {type_name}"


def test_every_builtin_loads_from_the_probes_package() -> None:
    assert {"config_files", "dependencies"} <= set(BUILTINS)
    for name in BUILTINS:
        cls = registry.get(name)
        assert cls is not None, f"built-in probe type {name} failed to load"
        assert cls.__module__ == f"probes.{name}.probe"


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    from fidelity.config import load, probe_options

    config = load(ROOT / "config.example.toml")
    assert config.reference == "production"
    for probe in config.probes:
        for env in config.environments:
            probe_options(config, probe, env)


def test_fidelity_probes_shows_each_numeric_options_allowed_range() -> None:
    """A user reading `fidelity probes` learns the bounds that config validation will hold them to."""
    listed = subprocess.run([sys.executable, "-m", "fidelity", "probes"], capture_output=True, text=True,
                            check=True).stdout
    bounded = [(name, o) for name in BUILTINS for o in registry.get(name).option_schema  # type: ignore[union-attr]
               if o.range_text()]
    assert bounded, "no built-in option declares a range"
    sections: dict[str, list[str]] = {}
    for line in listed.splitlines():
        if line and not line.startswith(" "):  # "name  (category)" opens a probe type's section
            current = sections.setdefault(line.split("  (")[0], [])
        elif line:
            current.append(line.strip())
    for name, option in bounded:
        row = next(line for line in sections[name] if line.startswith(option.name + " "))
        assert f"[{option.range_text()}]" in row, (name, option.name, row)
