"""No output of a run replaces a file the run reads, or a file fidelity did not write: the baseline,
a probe's input files, a manifests folder's files, a user's index.html in --report-dir. A file that
cannot be written is a one-line error naming it, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import DEMO, fidelity


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(DEMO, tmp_path / "demo")
    return tmp_path / "demo"


def refused(result: object, path: Path) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().endswith(f"-o {path} would overwrite an input file; "
                                                       "choose another path")


def test_a_report_never_replaces_the_baseline_it_reads(demo: Path, tmp_path: Path) -> None:
    baseline = tmp_path / "accepted.json"
    assert fidelity("baseline", "-c", str(demo / "fidelity.toml"), "-o", str(baseline)).returncode == 0
    before = baseline.read_bytes()
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--baseline", str(baseline),
                      "--format", "json", "-o", str(baseline))
    refused(result, baseline)
    assert baseline.read_bytes() == before


@pytest.mark.parametrize("command", [["audit"], ["snapshot", "--env", "staging"]])
def test_no_output_replaces_a_file_a_probe_reads(demo: Path, command: list[str]) -> None:
    target = demo / "staging" / "app.env"
    before = target.read_bytes()
    result = fidelity(*command, "-c", str(demo / "fidelity.toml"), "-o", str(target))
    refused(result, target)
    assert target.read_bytes() == before


def test_no_output_replaces_a_file_of_a_manifests_folder(tmp_path: Path) -> None:
    for env in ("production", "staging"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "app.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
                                                 f"data: {{env: {env}}}\n", encoding="utf-8")
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.k8s]\ntype = "kubernetes"\nmanifests = "{env}"\n', encoding="utf-8")
    target = tmp_path / "production" / "app.yaml"
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "-o", str(target))
    refused(result, target)
    assert "ConfigMap" in target.read_text(encoding="utf-8")
    fresh = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "-o", str(tmp_path / "report.txt"))
    assert fresh.returncode in (0, 1), fresh.stderr


def test_report_dir_never_replaces_an_index_fidelity_did_not_write(demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("<html>the team's page</html>", encoding="utf-8")
    result = fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(folder))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"fidelity: error: {folder / 'index.html'}: exists and was not written by fidelity; give "
        "--report-dir a folder of its own (or move the file away)")
    assert (folder / "index.html").read_text(encoding="utf-8") == "<html>the team's page</html>"
    assert [p.name for p in folder.iterdir()] == ["index.html"]  # no run recorded either
    ours = tmp_path / "history"
    for _ in range(2):  # fidelity's own index is rebuilt run after run
        assert fidelity("audit", "-c", str(demo / "fidelity.toml"), "--report-dir", str(ours)).returncode == 1
    assert "fidelity history (2 runs)" in (ours / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("where", ["proc", "dangling", "loop"])
def test_a_snapshot_that_cannot_be_written_is_one_line_naming_it(demo: Path, tmp_path: Path,
                                                                  where: str) -> None:
    if where == "proc":
        target = Path("/proc/version")
    elif where == "dangling":
        target = tmp_path / "dangling.json"
        target.symlink_to(tmp_path / "no" / "such" / "folder" / "x.json")
    else:
        target = tmp_path / "loop-a"
        target.symlink_to(tmp_path / "loop-b")
        (tmp_path / "loop-b").symlink_to(target)
    result = fidelity("snapshot", "-c", str(demo / "fidelity.toml"), "--env", "staging", "-o", str(target))
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"fidelity: error: {target}")
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_report_to_a_full_stdout_is_one_line(demo: Path) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-m", "fidelity", "audit", "-c", str(demo / "fidelity.toml"),
                               "--format", "json"], stdout=full, stderr=subprocess.PIPE, text=True,
                              timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == ("fidelity: error: stdout: cannot write the json report: "
                                                    "No space left on device")


def test_an_empty_dsn_is_a_config_error_not_the_local_default_server(tmp_path: Path) -> None:
    """`dsn = "${STAGING_DATABASE_URL}"` with the variable set but empty (a CI secret that is missing)
    would make libpq connect to its defaults: a local server, audited in staging's name."""
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.db]\ntype = "postgres"\n[probes.db.production]\n'
        'dsn = "postgresql://postgres@127.0.0.1:5432/postgres"\n'
        '[probes.db.staging]\ndsn = "${STAGING_DATABASE_URL}"\n', encoding="utf-8")
    for command in (["audit"], ["snapshot", "--env", "staging", "-o", str(tmp_path / "s.json")]):
        result = fidelity(*command, "-c", str(tmp_path / "fidelity.toml"), env={"STAGING_DATABASE_URL": " "})
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().splitlines()[-1] == (
            f"fidelity: error: {tmp_path / 'fidelity.toml'}: [probes.db.staging] dsn: is empty for "
            "environment 'staging'; set it (a variable that is set but empty, such as a missing CI secret, "
            "gives this too)")
        assert not (tmp_path / "s.json").exists()


def test_a_config_with_a_byte_order_mark_reads_and_a_deep_one_is_one_line(demo: Path) -> None:
    config = demo / "fidelity.toml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())
    assert fidelity("audit", "-c", str(config)).returncode == 1  # the demo's drift, read as usual
    deep = demo / "deep.toml"
    deep.write_text(config.read_text(encoding="utf-8-sig") + "\n[x]\ny = " + "[" * 600 + "]" * 600 + "\n",
                    encoding="utf-8")
    result = fidelity("audit", "-c", str(deep))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (f"fidelity: error: {deep}: invalid TOML: arrays or "
                                                      "tables nested too deeply")
