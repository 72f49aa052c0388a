"""The shared file reader: paths, git refs and commands, and every way they fail."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity, two_env_config

from fidelity.probe import ProbeError
from fidelity.probe.options import OptionError
from fidelity.probe.sources import read_sources, source_options

SCHEMA = {o.name: o for o in source_options(("env", "yaml", "json"))}


def opts(**overrides: Any) -> dict[str, Any]:
    """Every source option at its default, plus `overrides`."""
    return {name: option.default for name, option in SCHEMA.items()} | overrides


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com",
                    "-c", "init.defaultBranch=main", "-C", str(repo), *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose config/app.env has LOG_LEVEL=info at tag v1 and debug at HEAD."""
    root = tmp_path / "repo"
    (root / "config").mkdir(parents=True)
    git(root, "init", "-q")
    env_file = root / "config" / "app.env"
    env_file.write_text("LOG_LEVEL=info\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "v1")
    env_file.write_text("LOG_LEVEL=debug\n")
    git(root, "commit", "-q", "-am", "v2")
    return root


# --- paths ---------------------------------------------------------------------------------------

def test_reads_files_named_by_basename_or_given_name(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("A=1\n")
    (tmp_path / "other.txt").write_text("B: 2\n")
    entries = [str(tmp_path / "app.env"),
               {"path": str(tmp_path / "other.txt"), "name": "o", "format": "yaml"}]
    files, gaps = read_sources("app", opts(paths=entries))
    assert gaps == []
    assert [(f.name, f.text, f.format) for f in files] == [
        ("app.env", "A=1\n", None), ("o", "B: 2\n", "yaml")]
    assert files[0].label == str(tmp_path / "app.env")


def test_strips_a_utf8_bom_and_reads_other_encodings(tmp_path: Path) -> None:
    (tmp_path / "bom.env").write_bytes(b"\xef\xbb\xbfA=1\n")
    (tmp_path / "latin.env").write_bytes("A=caf\u00e9\n".encode("latin-1"))
    (tmp_path / "wide.env").write_bytes("A=\u00e9\n".encode("utf-16"))
    files, gaps = read_sources("app", opts(paths=[str(tmp_path / "bom.env")]))
    assert (files[0].text, gaps) == ("A=1\n", [])
    files, gaps = read_sources("app", opts(paths=[str(tmp_path / "latin.env")], encoding="latin-1"))
    assert (files[0].text, gaps) == ("A=caf\u00e9\n", [])
    files, gaps = read_sources("app", opts(paths=[str(tmp_path / "wide.env")], encoding="utf-16"))
    assert (files[0].text, gaps) == ("A=\u00e9\n", [])


def test_unreadable_files_become_gaps_and_the_rest_is_read(tmp_path: Path) -> None:
    (tmp_path / "good.env").write_text("A=1\n")
    (tmp_path / "binary.env").write_bytes(b"A=1\n\x00\x01\x02")
    (tmp_path / "latin.env").write_bytes(b"A=1\nB=caf\xe9\n")
    (tmp_path / "folder.env").mkdir()
    names = ["missing.env", "binary.env", "latin.env", "folder.env", "good.env"]
    files, gaps = read_sources("app", opts(paths=[str(tmp_path / n) for n in names]))
    assert [f.name for f in files] == ["good.env"]
    by_name = {g.object: g for g in gaps}
    assert list(by_name) == names[:4]
    assert all(g.segments == (g.object,) and "\n" not in g.message for g in gaps)
    assert all(g.message.startswith(str(tmp_path / g.object) + ": ") for g in gaps)
    assert by_name["missing.env"].message.endswith("file not found")
    assert "binary file" in by_name["binary.env"].message
    assert "not valid utf-8 at line 2 (byte 0xe9)" in by_name["latin.env"].message
    assert "is a directory" in by_name["folder.env"].message


def test_a_small_file_over_a_small_max_size_says_its_size_in_bytes(tmp_path: Path) -> None:
    """Not "0.0 MB, over max_size (8 bytes)"; and a file whose stat says less than it holds (procfs)
    is read only a byte past the limit, so its size is a lower bound."""
    small = tmp_path / "small.env"
    small.write_text("A=123456\n")
    paths = [str(small)] + (["/proc/self/status"] if Path("/proc/self/status").is_file() else [])
    files, gaps = read_sources("app", opts(paths=paths, max_size=8))
    assert files == []
    assert "small.env: file is 9 bytes, over max_size (8 bytes)" in gaps[0].message
    if len(gaps) > 1:
        assert "status: file is 9 bytes or more, over max_size (8 bytes)" in gaps[1].message


def test_a_file_over_max_size_is_a_gap_not_a_read(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: instant, and never read
    files, gaps = read_sources("app", opts(paths=[str(big)]))
    assert files == []
    assert len(gaps) == 1
    assert "52.4 MB, over max_size (10485760 bytes)" in gaps[0].message
    small = tmp_path / "small.env"
    small.write_text("A=" + "x" * 100 + "\n")
    files, gaps = read_sources("app", opts(paths=[str(small)], max_size=50))
    assert files == []
    assert "max_size (50 bytes)" in gaps[0].message


def test_no_paths_and_no_command_is_a_probe_error() -> None:
    with pytest.raises(ProbeError, match="probe 'app' has no `paths` and no `command`"):
        read_sources("app", opts())


def test_paths_option_rejects_clashing_basenames_and_bad_entries() -> None:
    check = SCHEMA["paths"].validate
    check(["a/app.env", {"path": "b/app.env", "name": "b.env"}])
    with pytest.raises(OptionError, match=r"two files are named 'app\.env'"):
        check(["a/app.env", "b/app.env"])
    with pytest.raises(OptionError, match="unknown key"):
        check([{"path": "a", "fromat": "yaml"}])
    with pytest.raises(OptionError, match="expected each entry"):
        check([{"name": "a"}])


# --- git refs ------------------------------------------------------------------------------------

def test_git_ref_reads_the_file_as_of_that_ref(repo: Path) -> None:
    path = str(repo / "config" / "app.env")
    at_tag, gaps = read_sources("app", opts(paths=[path], git_ref="v1"))
    at_head, _ = read_sources("app", opts(paths=[path], git_ref="HEAD"))
    assert gaps == []
    assert (at_tag[0].text, at_head[0].text) == ("LOG_LEVEL=info\n", "LOG_LEVEL=debug\n")
    assert at_tag[0].label == "v1:config/app.env"
    assert at_tag[0].name == "app.env"


def test_git_ref_reads_a_folder_that_is_not_checked_out(repo: Path) -> None:
    (repo / "deploy").mkdir()
    (repo / "deploy" / "prod.env").write_text("A=1\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "deploy")
    git(repo, "tag", "v3")
    git(repo, "rm", "-q", "-r", "deploy")
    git(repo, "commit", "-q", "-m", "gone")
    assert not (repo / "deploy").exists()
    files, gaps = read_sources("app", opts(paths=[str(repo / "deploy" / "prod.env")], git_ref="v3"))
    assert (files[0].text, gaps) == ("A=1\n", [])


def test_git_ref_that_does_not_exist_is_a_probe_error_naming_it(repo: Path) -> None:
    with pytest.raises(ProbeError, match=r"git ref 'v9\.9' not found"):
        read_sources("app", opts(paths=[str(repo / "config" / "app.env")], git_ref="v9.9"))


def test_git_path_missing_at_the_ref_is_a_gap(repo: Path) -> None:
    (repo / "config" / "new.env").write_text("NEW=1\n")
    paths = [str(repo / "config" / "new.env"), str(repo / "config" / "app.env")]
    files, gaps = read_sources("app", opts(paths=paths, git_ref="v1"))
    assert [f.name for f in files] == ["app.env"]
    assert [(g.object, g.message) for g in gaps] == [
        ("new.env", "v1:config/new.env: file not found at git ref 'v1'")]


def test_git_ref_outside_a_repository_is_a_probe_error(tmp_path: Path) -> None:
    (tmp_path / "app.env").write_text("A=1\n")
    with pytest.raises(ProbeError, match="is not a git repository"):
        read_sources("app", opts(paths=[str(tmp_path / "app.env")], git_ref="HEAD", repo=str(tmp_path)))


def test_git_ref_respects_max_size(repo: Path) -> None:
    files, gaps = read_sources("app", opts(paths=[str(repo / "config" / "app.env")], git_ref="v1",
                                           max_size=4))
    assert files == []
    assert "over max_size (4 bytes)" in gaps[0].message


# --- commands ------------------------------------------------------------------------------------

def python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def test_command_output_is_read_as_one_file() -> None:
    files, gaps = read_sources("app", opts(command=python("print('A=1')"), format="env",
                                           output_name="runtime.env"))
    assert gaps == []
    assert [(f.name, f.text.strip(), f.format) for f in files] == [("runtime.env", "A=1", "env")]


def test_command_needs_a_format() -> None:
    with pytest.raises(ProbeError, match="set `format`"):
        read_sources("app", opts(command=python("print(1)")))


def test_failing_command_reports_stderr_with_secrets_masked() -> None:
    code = "import sys; print('login failed for', sys.argv[1:], file=sys.stderr); sys.exit(3)"
    argv = python(code, "--password=hunter2xyz", "https://user:pw123456@host.example/x")
    with pytest.raises(ProbeError) as caught:
        read_sources("app", opts(command=argv, format="env"))
    message = str(caught.value)
    assert "exited with status 3" in message
    assert "login failed for" in message
    assert "host.example" in message
    assert "hunter2xyz" not in message
    assert "pw123456" not in message
    assert "\n" not in message


def test_command_that_runs_too_long_is_stopped() -> None:
    with pytest.raises(ProbeError, match=r"timed out after 0\.5 s"):
        read_sources("app", opts(command=python("import time; time.sleep(5)"), format="env", timeout=0.5))


def test_missing_program_and_oversized_output_are_probe_errors(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match="not found"):
        read_sources("app", opts(command=[str(tmp_path / "no-such-program")], format="env"))
    with pytest.raises(ProbeError, match=r"over max_size \(10 bytes\)"):
        read_sources("app", opts(command=python("print('A=' + 'x' * 100)"), format="env", max_size=10))


# --- only regular files ---------------------------------------------------------------------------

def test_a_fifo_or_device_in_paths_is_a_gap_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "app.env"
    os.mkfifo(fifo)
    (tmp_path / "ok.env").write_text("A=1\n")

    def hung(*_: Any) -> None:
        raise AssertionError("reading a FIFO blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        files, gaps = read_sources("app", opts(paths=[str(fifo), "/dev/zero", str(tmp_path / "ok.env")]))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [f.name for f in files] == ["ok.env"]
    assert [g.message for g in gaps] == [
        f"{fifo}: is a FIFO (named pipe), not a regular file; only regular files are read",
        "/dev/zero: is a character device, not a regular file; only regular files are read"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_an_audit_over_a_fifo_finishes_with_exit_3_and_leaves_it_alone(tmp_path: Path) -> None:
    for env in ("production", "staging"):
        (tmp_path / env).mkdir()
        os.mkfifo(tmp_path / env / "app.env")
    (tmp_path / "fidelity.toml").write_text(two_env_config('["{env}/app.env"]'))
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    messages = [e["message"] for e in json.loads(result.stdout)["errors"]]
    assert messages == [f"{tmp_path.resolve() / env / 'app.env'}: is a FIFO (named pipe), not a regular "
                        "file; only regular files are read" for env in ("production", "staging")]
    for env in ("production", "staging"):
        assert stat.S_ISFIFO(os.stat(tmp_path / env / "app.env").st_mode)
