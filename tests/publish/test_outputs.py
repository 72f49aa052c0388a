"""-o never destroys what it writes to: devices and FIFOs stay, symlinks stay, modes follow the umask."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import DEMO, fidelity

CONFIG = str(DEMO / "fidelity.toml")


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="creating a character device node needs root")
def test_a_character_device_is_written_to_and_stays_a_device(tmp_path: Path) -> None:
    null = tmp_path / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a twin of /dev/null
    before = os.lstat(null).st_mode
    result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", str(null))
    assert result.returncode == 1, result.stderr
    mode = os.lstat(null).st_mode
    assert stat.S_ISCHR(mode), "the device was replaced by a regular file"
    assert mode == before
    assert os.lstat(null).st_rdev == os.makedev(1, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["null"], "a temporary file was left behind"


def test_a_fifo_receives_the_report_and_stays_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", str(fifo))
    if result.returncode != 1:  # unblock the reader so that the thread ends
        with open(fifo, "wb"):
            pass
    reader.join(timeout=60)
    assert result.returncode == 1, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
    assert received, "the reader got nothing"
    assert json.loads(received[0])["format"] == "fidelity-report"


def test_a_stream_alias_is_written_in_place(tmp_path: Path) -> None:
    result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", "/dev/fd/1")
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["format"] == "fidelity-report"


def test_a_symlink_is_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "reports" / "latest-real.json"
    real.parent.mkdir()
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(real)
    result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink(), "the symlink was replaced by a regular file"
    assert os.readlink(link) == str(real)
    assert json.loads(real.read_text(encoding="utf-8"))["format"] == "fidelity-report"


def test_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    real = tmp_path / "target.md"
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    result = fidelity("audit", "-c", CONFIG, "--format", "markdown", "-o", str(link))
    assert result.returncode == 1, result.stderr
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("#")


def test_a_new_report_gets_the_umask_and_a_snapshot_stays_private(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    snap = tmp_path / "production.json"
    with umask(0o027):
        result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", str(report))
        assert result.returncode == 1, result.stderr
        result = fidelity("snapshot", "-c", CONFIG, "--env", "production", "-o", str(snap))
        assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert stat.S_IMODE(snap.stat().st_mode) == 0o600


def test_a_replaced_report_keeps_its_mode(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text("old", encoding="utf-8")
    report.chmod(0o604)
    result = fidelity("audit", "-c", CONFIG, "--format", "json", "-o", str(report))
    assert result.returncode == 1, result.stderr
    assert stat.S_IMODE(report.stat().st_mode) == 0o604
