"""Config loading: every bad input gives one precise message naming the file and key."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from conftest import fidelity, probe_named

from fidelity.config import ConfigError, RuleAction, find_config, load, probe_options
from fidelity.model import Severity

GOOD = """
[audit]
reference = "production"
fail_on = "medium"
max_score = 40

[environments.production]
owner = "ops"
[environments.staging]

[probes.app]
type = "fake"
data = { a = 1 }
  [probes.app.staging]
  data = { a = "${STAGING_A}" }

[[rules]]
path = "app/**"
action = "expect"
reason = "because"
expires = 2027-01-31

[[rewrites]]
reference = "prod"
candidate = "stage"
"""


def write(tmp_path: Path, text: str, name: str = "fidelity.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_good_config_loads_with_defaults_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load(write(tmp_path, GOOD))
    assert config.reference == "production"
    assert config.candidates == ("staging",)
    assert config.fail_on is Severity.MEDIUM
    assert config.max_score == 40
    assert config.rules[0].action is RuleAction.EXPECT
    assert config.rules[0].expires == dt.date(2027, 1, 31)
    assert config.rewrites[0].candidate == "stage"
    probe = probe_named(config, "app")
    assert probe_options(config, probe, "production")["data"] == {"a": 1}
    monkeypatch.setenv("STAGING_A", "from-env")
    assert probe_options(config, probe, "staging")["data"] == {"a": "from-env"}


def test_missing_variable_names_variable_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STAGING_A", raising=False)
    path = write(tmp_path, GOOD)
    config = load(path)
    with pytest.raises(ConfigError) as info:
        probe_options(config, probe_named(config, "app"), "staging")
    assert str(info.value) == (f"{path}: [probes.app.staging] data.a: environment variable STAGING_A "
                               "is not set; export it, or remove the reference")


def test_only_probed_environments_need_their_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STAGING_A", raising=False)
    config = load(write(tmp_path, GOOD))
    assert probe_options(config, probe_named(config, "app"), "production")["data"] == {"a": 1}


def test_dollar_dollar_escapes_and_env_placeholder(tmp_path: Path) -> None:
    config = load(write(tmp_path, GOOD.replace('data = { a = 1 }', 'data = { a = "$${NOT}-{env}" }')))
    options = probe_options(config, probe_named(config, "app"), "production")
    assert options["data"] == {"a": "${NOT}-production"}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("[audit]", "[audit]\nrefrence = 1"), "[audit] refrence: unknown key in [audit] (known keys: "
         "baseline, candidates, fail_on, max_score, reference)"),
        (('fail_on = "medium"', 'fail_on = "hihg"'), "[audit] fail_on: expected one of critical, high, "
         "medium, low, info, never, got string 'hihg'"),
        (("max_score = 40", 'max_score = "40"'), "[audit] max_score: expected integer, got string '40'"),
        (('type = "fake"', 'type = "fakee"'), "[probes.app] type: unknown probe type string 'fakee'"),
        (('reference = "production"', 'reference = "production"\ncandidates = ["qa"]'),
         "[audit] candidates: environment 'qa' is not declared (declared: production, staging); "
         "add [environments.qa]"),
        (('action = "expect"', 'action = "severity"'), '[[rules]] #1 severity: required with action = '
         '"severity"'),
        (("[[rewrites]]", "[[rewrites]]\nbogus = 1"), "[[rewrites]] #1 bogus: unknown key"),
        (('data = { a = 1 }', 'data = { a = 1 }\ncolour = "red"'), "[probes.app] colour: unknown key for "
         "probe type 'fake'"),
        (("[[rules]]", "[surprise]\n[[rules]]"), "surprise: unknown top-level key"),
    ],
)
def test_invalid_values_are_named(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    message = error_of(tmp_path, GOOD.replace(*change))
    assert message.startswith(str(tmp_path / "fidelity.toml") + ": ")
    assert expected in message


def test_toml_syntax_error_gives_line(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace('owner = "ops"', 'owner = "ops'))
    assert "invalid TOML" in message
    assert "line 8" in message


def test_non_utf8_config(tmp_path: Path) -> None:
    path = tmp_path / "fidelity.toml"
    path.write_bytes(b'[audit]\nreference = "\xff"\n')
    with pytest.raises(ConfigError, match="not valid UTF-8 at line 2"):
        load(path)


def test_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found; pass -c PATH"):
        load(tmp_path / "nope.toml")


def test_secret_values_are_not_echoed(tmp_path: Path) -> None:
    text = GOOD.replace("max_score = 40", 'max_score = "postgres://u:hunter2pw@db/x"')
    message = error_of(tmp_path, text)
    assert "hunter2pw" not in message
    text = GOOD.replace('owner = "ops"', 'owner = "ops"\n[environments.qa]\n[probes.x]\ntype = 5\n'
                        'password = "s3cr3t-value"')
    assert "s3cr3t" not in error_of(tmp_path, text)


def test_probe_named_like_environment_override_must_be_table(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace('data = { a = "${STAGING_A}" }', 'oops = 1'))
    assert "[probes.app.staging] oops: unknown key" in message


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FIDELITY_CONFIG", raising=False)
    assert find_config(None) is None
    write(tmp_path, GOOD)
    assert find_config(None) == Path("fidelity.toml")
    monkeypatch.setenv("FIDELITY_CONFIG", "other.toml")
    assert find_config(None) == Path("other.toml")
    assert find_config("explicit.toml") == Path("explicit.toml")


def test_relative_paths_resolve_against_config_dir(tmp_path: Path) -> None:
    sub = tmp_path / "conf"
    sub.mkdir()
    text = GOOD.replace('type = "fake"', 'type = "config_files"\npaths = ["{env}/app.env"]')
    text = text.replace('data = { a = 1 }', "").replace('data = { a = "${STAGING_A}" }', 'format = "env"')
    config = load(write(sub, text))
    options = probe_options(config, probe_named(config, "app"), "staging")
    assert options["paths"] == [str(sub / "staging" / "app.env")]
    assert options["format"] == "env"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ('action = "tolerance"', 'needs at least one of low, medium, high'),
        ('action = "expect"\nlow = 0.1', "only allowed with action = \\\"tolerance\\\""),
        ('action = "tolerance"\nlow = 0.5\nmedium = 0.2', "thresholds must grow"),
    ],
)
def test_tolerance_rules_are_checked(tmp_path: Path, rule: str, expected: str) -> None:
    text = GOOD.replace('action = "expect"', rule.replace("\\\\", "\\"))
    assert expected.replace("\\\"", '"') in error_of(tmp_path, text)


def test_tolerance_rule_loads(tmp_path: Path) -> None:
    text = GOOD.replace('action = "expect"', 'action = "tolerance"\nlow = 0.2\nhigh = 0.9')
    config = load(write(tmp_path, text))
    tolerance = config.rules[0].tolerance
    assert tolerance is not None
    assert (tolerance.low, tolerance.medium, tolerance.high) == (0.2, None, 0.9)


@pytest.mark.parametrize("where", ["-c", "cwd"])
def test_a_fifo_as_config_is_a_one_line_usage_error_at_once(tmp_path: Path, where: str) -> None:
    fifo = tmp_path / "fidelity.toml"
    os.mkfifo(fifo)
    args = ["-c", str(fifo)] if where == "-c" else []
    result = fidelity("audit", *args, cwd=tmp_path)  # the subprocess timeout catches a hang
    assert result.returncode == 2
    shown = str(fifo) if where == "-c" else "fidelity.toml"
    assert result.stderr == (f"fidelity: error: {shown}: is a FIFO (named pipe), not a regular file; "
                             "pass a config file\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_device_as_config_is_refused() -> None:
    result = fidelity("audit", "-c", "/dev/zero")
    assert (result.returncode, result.stderr) == (
        2, "fidelity: error: /dev/zero: is a character device, not a regular file; pass a config file\n")
