"""Bad input on the command line: one line on stderr, the contract's exit code, no traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import DEMO, fidelity, two_env_config

from fidelity.cli import main

GOOD = two_env_config('["{env}/app.env"]')


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("fidelity: error:")]
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0]


def make_env(tmp_path: Path, config: str = GOOD) -> Path:
    for env in ("production", "staging"):
        (tmp_path / env).mkdir(exist_ok=True)
        (tmp_path / env / "app.env").write_text(f"LEVEL={env}\n", encoding="utf-8")
    path = tmp_path / "fidelity.toml"
    path.write_text(config, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "needles"),
    [
        (("[audit]", "[audit"), ("invalid TOML", "line 1")),
        (('reference = "production"', 'reference = "production"\ncolour = 1'),
         ("[audit] colour", "unknown key")),
        (('reference = "production"', 'reference = 7'), ("[audit] reference", "expected string")),
        (('type = "config_files"', 'type = "nope"'), ("[probes.app] type", "unknown probe type")),
        (('reference = "production"', 'reference = "production"\ncandidates = ["qa"]'),
         ("[audit] candidates", "'qa' is not declared")),
        (('paths = ["{env}/app.env"]', 'paths = ["${NO_SUCH_VAR_XYZ}/app.env"]'),
         ("[probes.app] paths", "NO_SUCH_VAR_XYZ is not set")),
    ],
)
def test_config_errors_exit_2(tmp_path: Path, change: tuple[str, str], needles: tuple[str, ...]) -> None:
    config = make_env(tmp_path, GOOD.replace(*change))
    result = fidelity("audit", "-c", str(config))
    assert_one_line_error(result, 2, str(config), *needles)
    assert result.stdout == ""


def test_no_config_at_all(tmp_path: Path) -> None:
    assert_one_line_error(fidelity("audit", cwd=tmp_path), 2, "no config file")


def test_format_and_output_must_pair(tmp_path: Path) -> None:
    config = make_env(tmp_path)
    result = fidelity("audit", "-c", str(config), "--format", "json", "--format", "html", "-o", "x.json")
    assert_one_line_error(result, 2, "pair up by position")
    result = fidelity("audit", "-c", str(config), "--format", "json", "--format", "html")
    assert_one_line_error(result, 2, "at most one format may go to stdout")


def test_output_may_not_overwrite_an_input(tmp_path: Path) -> None:
    config = make_env(tmp_path)
    before = config.read_text()
    assert_one_line_error(fidelity("audit", "-c", str(config), "-o", str(config)), 2, "overwrite")
    assert config.read_text() == before


def test_unknown_env_is_a_usage_error(tmp_path: Path) -> None:
    config = make_env(tmp_path)
    assert_one_line_error(fidelity("audit", "-c", str(config), "--env", "qa"), 2, "--env qa")
    output = str(tmp_path / "s.json")
    assert_one_line_error(fidelity("snapshot", "-c", str(config), "--env", "qa", "-o", output), 2)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "invalid JSON at line 1"),
        ('{"format": "something-else", "version": 1}', "not a fidelity snapshot"),
        ('{"format": "fidelity-snapshot", "version": 99}', "version 99 is newer"),
        ('{"format": "fidelity-snapshot", "version": 1, "probes": {}}', "malformed snapshot"),
        ("\udcff", "not UTF-8"),
    ],
)
def test_bad_snapshots_exit_2(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content.encode("utf-8", "surrogateescape"))
    good = tmp_path / "good.json"
    config = make_env(tmp_path)
    assert fidelity("snapshot", "-c", str(config), "--env", "production", "-o", str(good)).returncode == 0
    assert_one_line_error(fidelity("diff", str(good), str(bad)), 2, str(bad), needle)
    assert_one_line_error(fidelity("diff", str(bad), str(good)), 2, needle)


def test_missing_snapshot_file(tmp_path: Path) -> None:
    assert_one_line_error(fidelity("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")), 2,
                          "snapshot file not found")


def test_missing_input_file_is_incomplete_exit_3(tmp_path: Path) -> None:
    config = make_env(tmp_path)
    (tmp_path / "staging" / "app.env").unlink()
    result = fidelity("audit", "-c", str(config), "--format", "json")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "error"
    assert report["errors"][0]["probe"] == "app"
    assert "file not found" in report["errors"][0]["message"]
    terminal = fidelity("audit", "-c", str(config))
    assert terminal.returncode == 3
    assert "INCOMPLETE" in terminal.stdout.splitlines()[0]


def test_in_process_main_returns_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = make_env(tmp_path)
    assert main(["audit", "-c", str(config), "--format", "json", "--fail-on", "never"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "pass"
    assert main(["audit", "-c", str(config), "--fail-on", "info"]) == 1
    assert main(["audit", "-c", str(config), "--fail-on", "bogus"]) == 2
    assert main(["--help"]) == 0


def test_snapshot_with_a_gap_still_writes_and_exits_3(tmp_path: Path) -> None:
    config = make_env(tmp_path)
    (tmp_path / "staging" / "app.env").unlink()
    target = tmp_path / "staging.json"
    result = fidelity("snapshot", "-c", str(config), "--env", "staging", "-o", str(target))
    assert result.returncode == 3
    assert "staging/app:" in result.stderr
    assert "file not found" in result.stderr
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["probes"]["app"]["gaps"][0]["object"] == "app.env"


def test_an_error_that_echoes_a_value_masks_a_secret_in_it(tmp_path: Path) -> None:
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    config = tmp_path / "fidelity.toml"
    config.write_text(f'[audit]\nreference = "production"\nfail_on = "{token}"\n'
                      "[environments.production]\n[environments.staging]\n", encoding="utf-8")
    result = fidelity("audit", "-c", str(config))
    assert_one_line_error(result, 2, "[audit] fail_on")
    assert token not in result.stderr + result.stdout


def test_a_config_without_probes_cannot_pass_an_audit(tmp_path: Path) -> None:
    """An empty probe list audited nothing: a PASS would say staging mirrors production."""
    config = tmp_path / "fidelity.toml"
    config.write_text('[audit]\nreference = "production"\n'
                      '[environments.production]\n[environments.staging]\n', encoding="utf-8")
    for command in (["audit"], ["baseline", "-o", str(tmp_path / "b.json")],
                    ["snapshot", "--env", "staging", "-o", str(tmp_path / "s.json")]):
        result = fidelity(*command, "-c", str(config))
        assert result.returncode == 2, (command, result.stdout)
        assert result.stderr.strip().splitlines()[-1] == (
            f"fidelity: error: {config}: no probe to run; add a [probes.NAME] table "
            "(see config.example.toml)")


def test_snapshot_takes_one_environment(tmp_path: Path) -> None:
    result = fidelity("snapshot", "-c", str(DEMO / "fidelity.toml"), "--env", "staging",
                      "--env", "production", "-o", str(tmp_path / "s.json"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "fidelity: error: --env is given 2 times; a snapshot holds one environment "
        "(take one snapshot per environment)")
    assert not (tmp_path / "s.json").exists()


def test_an_incomplete_audit_never_says_no_drift_found(tmp_path: Path) -> None:
    """Nothing read in staging is not 'staging matches production'."""
    (tmp_path / "production").mkdir()
    (tmp_path / "production" / "app.env").write_text("A=1\n", encoding="utf-8")
    config = tmp_path / "fidelity.toml"
    config.write_text('[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
                      '[probes.app]\ntype = "config_files"\npaths = ["{env}/app.env"]\n', encoding="utf-8")
    terminal = fidelity("audit", "-c", str(config))
    markdown = fidelity("audit", "-c", str(config), "--format", "markdown")
    assert terminal.returncode == markdown.returncode == 3
    assert "No drift found: staging matches production" not in terminal.stdout
    assert "No drift found in what could be read, but the audit is incomplete" in terminal.stdout
    assert "No drift found between" not in markdown.stdout
    assert "but the audit is incomplete" in markdown.stdout


@pytest.mark.parametrize(("probe_type", "extra"), [
    ("config_files", ""),
    ("dependencies", ""),
    ("config_files", '[probes.app.staging]\npaths = ["{env}.env"]\n'),  # production still reads nothing
])
def test_a_file_probe_with_nothing_to_read_is_a_config_error(tmp_path: Path, probe_type: str,
                                                             extra: str) -> None:
    (tmp_path / "staging.env").write_text("A=1\n")
    config = tmp_path / "fidelity.toml"
    config.write_text(two_env_config("[]", extra).replace('"config_files"', f'"{probe_type}"'))
    for command in (("audit", "-c", str(config)), ("snapshot", "-c", str(config), "--env", "production",
                                                  "-o", str(tmp_path / "s.json"))):
        assert_one_line_error(fidelity(*command), 2, "[probes.app]", "set `paths`", "'production'")
    assert not (tmp_path / "s.json").exists()
    if extra:  # staging alone has something to read
        result = fidelity("snapshot", "-c", str(config), "--env", "staging", "-o", str(tmp_path / "s.json"))
        assert result.returncode == 0, result.stderr
