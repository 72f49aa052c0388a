"""Numbers in the config and in every probe's options are finite and in range; encodings are known."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fidelity

HEAD = '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
BAD_NUMBERS = ("nan", "inf", "-inf", "1e300", "0", "-5")


def check_refused(tmp_path: Path, body: str, key: str, expected: str = "") -> None:
    config = tmp_path / "fidelity.toml"
    config.write_text(HEAD + body, encoding="utf-8")
    result = fidelity("audit", "-c", str(config), "-v")
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fidelity: error: {config}: {key}: "), lines[0]
    assert expected in lines[0]
    assert "probing" not in result.stderr


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize(("probe_type", "key", "extra"), [
    ("config_files", "timeout", 'paths = ["a.env"]\n'),
    ("config_files", "max_size", 'paths = ["a.env"]\n'),
    ("dependencies", "timeout", 'paths = ["requirements.txt"]\n'),
    ("dependencies", "max_size", 'paths = ["requirements.txt"]\n'),
    ("postgres", "connect_timeout", 'dsn = "postgresql://localhost/x"\n'),
    ("postgres", "statement_timeout", 'dsn = "postgresql://localhost/x"\n'),
    ("postgres", "lock_timeout", 'dsn = "postgresql://localhost/x"\n'),
    ("kubernetes", "request_timeout", ""),
    ("kubernetes", "page_size", ""),
])
def test_probe_numbers_must_be_finite_and_in_range(tmp_path: Path, probe_type: str, key: str, extra: str,
                                                    value: str) -> None:
    if value in ("nan", "inf", "-inf", "1e300") and key in ("max_size", "connect_timeout",
                                                            "statement_timeout", "lock_timeout", "page_size"):
        value = "9223372036854775807"  # integer options: the largest TOML integer
    body = f'[probes.p]\ntype = "{probe_type}"\n{extra}{key} = {value}\n'
    check_refused(tmp_path, body, f"[probes.p] {key}", "expected ")


@pytest.mark.parametrize("value", ["nan", "inf", "1e300"])
def test_tolerance_thresholds_must_be_finite(tmp_path: Path, value: str) -> None:
    body = f'[[rules]]\npath = "a/**"\naction = "tolerance"\nlow = {value}\n'
    check_refused(tmp_path, body, "[[rules]] #1 low", "expected a finite number >= 0")


@pytest.mark.parametrize(("table", "key", "value"), [
    ("history", "keep", "0"), ("history", "keep", "9223372036854775807"),
    ("audit", "max_score", "-1"), ("audit", "max_score", "9223372036854775807"),
])
def test_config_integers_are_in_range(tmp_path: Path, table: str, key: str, value: str) -> None:
    config = tmp_path / "fidelity.toml"
    extra = 'dir = "reports"\n' if table == "history" else ""
    text = HEAD.replace("[audit]\n", f"[audit]\n{key} = {value}\n") if table == "audit" \
        else HEAD + f"[{table}]\n{extra}{key} = {value}\n"
    config.write_text(text, encoding="utf-8")
    result = fidelity("audit", "-c", str(config))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"fidelity: error: {config}: [{table}] {key}: expected an integer")


@pytest.mark.parametrize("probe_type", ["config_files", "dependencies"])
@pytest.mark.parametrize("encoding", ["utf-9", "rot13", "", "base64"])
def test_encodings_must_be_known_text_codecs(tmp_path: Path, probe_type: str, encoding: str) -> None:
    body = f'[probes.p]\ntype = "{probe_type}"\npaths = ["a.txt"]\nencoding = "{encoding}"\n'
    check_refused(tmp_path, body, "[probes.p] encoding", "encoding")


def test_a_known_encoding_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_bytes("NAME=caf\xe9\n".encode("latin-1"))
    config = tmp_path / "fidelity.toml"
    config.write_text(HEAD + '[probes.p]\ntype = "config_files"\npaths = ["a.env"]\nencoding = "Latin-1"\n'
                      'timeout = 0.5\nmax_size = 1\n', encoding="utf-8")
    result = fidelity("snapshot", "-c", str(config), "--env", "production", "-o", str(tmp_path / "s.json"))
    assert result.returncode == 3, result.stderr  # config accepted; the 1-byte max_size leaves a gap
