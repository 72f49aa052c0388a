"""A password written into a DSN with an unencoded `@`, `#` or blank is cut by the driver's parser,
which then quotes a piece of it in its error (as a host, a port, a key). No piece of it may reach
the snapshot, the report or the log."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fidelity

CONFIG = """[audit]
reference = "production"
[environments.production]
[environments.staging]
[probes.store]
type = "{kind}"
  [probes.store.production]
  {option} = "${{STORE_URL}}"
  [probes.store.staging]
  {option} = "${{STORE_URL}}"
"""


@pytest.mark.parametrize(("kind", "option", "url"), [
    ("postgres", "dsn", "postgresql://app:Xy7@S3CR3T-tail@127.0.0.1:5432/postgres"),
    ("postgres", "dsn", "host=127.0.0.1 port=5432 user=app password=S3CR3T-one S3CR3T-two dbname=x"),
    ("redis", "url", "redis://default:S3CR3T-head#Q9x@127.0.0.1:6379/7"),
    ("mysql", "dsn", "mysql://root:Xy7@S3CR3T-my#tail@127.0.0.1:3306/x"),
])
def test_a_password_cut_by_the_parser_leaks_no_piece(tmp_path: Path, kind: str, option: str,
                                                      url: str) -> None:
    (tmp_path / "fidelity.toml").write_text(CONFIG.format(kind=kind, option=option), encoding="utf-8")
    done = fidelity("-vv", "audit", "-c", "fidelity.toml", "--format", "json", "-o", "report.json",
                    "--format", "html", "-o", "report.html", cwd=tmp_path, env={"STORE_URL": url})
    assert done.returncode == 3, done.stderr  # the probe cannot run: an environment error, said plainly
    report = (tmp_path / "report.json").read_text(encoding="utf-8")
    assert '"errors"' in report
    assert "store" in report
    shown = [done.stdout, done.stderr, report, (tmp_path / "report.html").read_text(encoding="utf-8")]
    assert not [text for text in shown if "S3CR3T" in text]


def test_a_piece_quoted_as_a_lower_cased_host_leaks_neither(tmp_path: Path) -> None:
    """The mysql probe names the host it could not reach as urllib parsed it, lower-cased: a piece of
    the password cut off as the host (`S3CR3T-my`) was shown as `s3cr3t-my`."""
    url = "mysql://root:Xy7@S3CR3T-my#tail@127.0.0.1:3306/x"
    (tmp_path / "fidelity.toml").write_text(CONFIG.format(kind="mysql", option="dsn"), encoding="utf-8")
    done = fidelity("-vv", "audit", "-c", "fidelity.toml", "--format", "json", "-o", "report.json",
                    cwd=tmp_path, env={"STORE_URL": url})
    assert done.returncode == 3, done.stderr
    shown = [done.stdout, done.stderr, (tmp_path / "report.json").read_text(encoding="utf-8")]
    assert not [text for text in shown if "s3cr3t" in text.lower()]
