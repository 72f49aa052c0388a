"""The command ends without freeing its trees one by one (`cli.run`), and loses nothing by it: the
whole report reaches a pipe, the exit code is the contract's, exit handlers run, and a profiler
still gets its output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import fidelity, two_env_config


def _drifted(tmp_path: Path, keys: int = 20_000) -> Path:
    for env, value in (("production", "a"), ("staging", "b")):
        (tmp_path / env).mkdir()
        doc = {f"key_{i:05d}": f"{value}-{i}" if i % 4 == 0 else i for i in range(keys)}
        (tmp_path / env / "settings.json").write_text(json.dumps(doc), encoding="utf-8")
    (tmp_path / "fidelity.toml").write_text(two_env_config('["{env}/settings.json"]'), encoding="utf-8")
    return tmp_path


def test_a_large_report_on_stdout_arrives_whole_with_the_drift_exit_code(tmp_path: Path) -> None:
    result = fidelity("audit", "--fail-on", "low", "--format", "json", "-o", "-", cwd=_drifted(tmp_path))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)  # complete: the buffered tail was flushed before the exit
    assert sum(len(c["findings"]) for c in report["comparisons"]) == 5_000


def test_a_reader_that_stops_early_gets_no_traceback_and_the_code_stays(tmp_path: Path) -> None:
    folder = _drifted(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
    command = [sys.executable, "-m", "fidelity", "audit", "--fail-on", "low", "--format", "json", "-o", "-"]
    pipe = subprocess.PIPE
    with subprocess.Popen(command, cwd=folder, env=env, stdout=pipe, stderr=pipe) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()  # like `| head -c 100`
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert "Traceback" not in stderr
    assert code == 1, stderr


def test_exit_handlers_still_run(tmp_path: Path) -> None:
    """Clean-ups registered with atexit (the Kubernetes client's temporary certificate files,
    `weakref.finalize`) run before the process ends."""
    marker = tmp_path / "ran"
    code = ("import atexit, sys; from pathlib import Path; "
            f"atexit.register(lambda: Path({str(marker)!r}).write_text('yes')); "
            "sys.argv = ['fidelity', '--help']; from fidelity.cli import run; run()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert marker.read_text() == "yes"


def test_a_profiler_still_writes_its_output(tmp_path: Path) -> None:
    folder = _drifted(tmp_path, keys=50)
    out = tmp_path / "profile.out"
    result = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "fidelity", "audit"],
                            cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in result.stderr  # (cProfile itself ends with 0 whatever the code)
    assert out.stat().st_size > 0


def test_the_console_script_runs_a_command_with_the_cycle_collector_still_on(tmp_path: Path) -> None:
    """The entry point slows the collector's pace for start-up, and never turns it off: cycles that a
    long audit makes (a driver's, an exception's) are still freed while it runs."""
    seen = tmp_path / "collector"
    state = "json.dumps([gc.isenabled(), *gc.get_threshold()])"
    code = ("import atexit, gc, json, sys; from pathlib import Path; "
            f"atexit.register(lambda: Path({str(seen)!r}).write_text({state})); "
            "sys.argv = ['fidelity', 'audit', '--fail-on', 'low']; "
            "from fidelity.__main__ import main; main()")
    result = subprocess.run([sys.executable, "-c", code], cwd=_drifted(tmp_path, keys=50),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stderr  # the drift of `_drifted`, found through the entry point
    enabled, young, older, oldest = json.loads(seen.read_text())
    assert enabled
    assert 700 < young <= 100_000
    assert (older, oldest) == (10, 10)


def test_ctrl_c_during_an_audit_exits_130_in_one_line_and_stops_the_probe_s_command(tmp_path: Path) -> None:
    """Interrupted (Ctrl-C, a cancelled job): 128 + SIGINT as shells report it, never 1 (drift) nor 2
    (a config error); one line, no traceback, no report; the command the probe was running ends too."""
    started = tmp_path / "started.pid"
    command = ["sh", "-c", f"echo $$$$ > '{started}'; exec sleep 60"]  # `$$` in a config is one `$`
    config = ('[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
              f'[probes.app]\ntype = "config_files"\ncommand = {json.dumps(command)}\nformat = "json"\n')
    (tmp_path / "fidelity.toml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"}
    report = tmp_path / "report.json"
    audit = [sys.executable, "-m", "fidelity", "audit", "--format", "json", "-o", str(report)]
    pipe = subprocess.PIPE
    with subprocess.Popen(audit, cwd=tmp_path, env=env, stdout=pipe, stderr=pipe, text=True) as proc:
        deadline = time.monotonic() + 120
        while not (started.exists() and started.read_text().strip()) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        child = int(started.read_text())
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "fidelity: interrupted"
    assert "Traceback" not in stderr
    assert not report.exists()
    assert _ended(child)  # killed with the audit, not left sleeping


def _ended(pid: int, seconds: float = 30) -> bool:
    """Whether process `pid` is gone or a zombie (dead; its new parent reaps it), within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False
