"""No malformed config file passes as drift or as a pass: bad .env lines are gaps, duplicate keys warnings."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity, two_env_config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.probe import ProbeContext
from fidelity.redact import SecretKeeper
from probes.config_files import ConfigFilesProbe
from probes.config_files.formats import FORMATS, Duplicate, FormatError, parse

CONTINUED_SECRET = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-continued-SECRET-77"
FORMATS_OUT = (("terminal", "report.txt"), ("json", "report.json"), ("html", "report.html"),
               ("markdown", "report.md"), ("junit", "report.xml"))


def audit(root: Path, files: dict[str, dict[str, str]], paths: str = '["envs/{env}/app.env"]'
          ) -> tuple[Any, dict[str, str]]:
    """Write each environment's files, audit in every format at once; the run and each output."""
    for env, contents in files.items():
        for name, text in contents.items():
            target = root / "envs" / env / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    (root / "fidelity.toml").write_text(two_env_config(paths))
    args = [arg for fmt, name in FORMATS_OUT for arg in ("--format", fmt, "-o", str(root / name))]
    result = fidelity("audit", "-c", str(root / "fidelity.toml"), *args, cwd=root)
    outputs = {name: (root / name).read_text(encoding="utf-8") for _, name in FORMATS_OUT}
    return result, outputs


def snapshot_text(root: Path, env: str) -> str:
    """The snapshot file of `env`, then what the snapshot command printed."""
    out = root / f"{env}.json"
    result = fidelity("snapshot", "-c", str(root / "fidelity.toml"), "--env", env, "-o", str(out), cwd=root)
    return out.read_text(encoding="utf-8") + "\n" + result.stdout + result.stderr


# --- .env lines that are not KEY=value ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    f"LOG_LEVEL=info\nPRIVATE_KEY=-----BEGIN\n{CONTINUED_SECRET}\n",
    f"LOG_LEVEL=info\nPRIVATE_KEY=-----BEGIN\n  {CONTINUED_SECRET}\n",
    f"LOG_LEVEL=info\nPRIVATE_KEY=abc\\\n{CONTINUED_SECRET}\n",
], ids=["continued", "continued-indented", "continued-backslash"])
def test_a_value_continued_on_the_next_line_is_a_gap_and_never_a_key(tmp_path: Path, text: str) -> None:
    result, outputs = audit(tmp_path, {"production": {"app.env": "LOG_LEVEL=info\nPRIVATE_KEY=x\n"},
                                       "staging": {"app.env": text}})
    assert result.returncode == 3, result.stderr
    [error] = json.loads(outputs["report.json"])["errors"]
    assert (error["environment"], error["probe"], error["object"]) == ("staging", "app", "app.env")
    assert error["message"].endswith("app.env: invalid .env syntax at line 3 (expected KEY=value)")
    shown = [result.stdout, result.stderr, *outputs.values(), snapshot_text(tmp_path, "staging")]
    for text_out in shown:
        assert CONTINUED_SECRET not in text_out
    assert "app.env/MIIE" not in outputs["report.json"]


def test_a_bare_word_line_is_a_gap_not_a_key(tmp_path: Path) -> None:
    result, outputs = audit(tmp_path, {"production": {"app.env": "A=1\n"},
                                       "staging": {"app.env": "A=1\nhunter2-bare-SECRET\nB=2\nnot a line\n"}})
    assert result.returncode == 3
    [error] = json.loads(outputs["report.json"])["errors"]
    assert error["message"].endswith("invalid .env syntax at lines 2, 4 (expected KEY=value)")
    assert not any("hunter2" in text for text in (result.stdout, result.stderr, *outputs.values()))


def test_quoted_values_may_span_lines(tmp_path: Path) -> None:
    text = 'CERT="line one\nline two"\nSINGLE=\'a\nb\'\n'
    result = collect_one(tmp_path, "app.env", text)
    assert result.gaps == ()
    assert result.data == {"app.env": {"CERT": "line one\nline two", "SINGLE": "a\nb"}}


# --- duplicate keys -------------------------------------------------------------------------------

DUPLICATES = [
    ("app.env", "A=1\nPASSWORD=first-SECRET-1\nB=2\nPASSWORD=second-SECRET-2\n", ("PASSWORD", 2, 4)),
    ("app.json", '{\n "a": 1,\n "password": "first-SECRET-1",\n "password": "second-SECRET-2"\n}\n',
     ("password", 3, 4)),
    ("app.yaml", "a: 1\ndb:\n  password: first-SECRET-1\n  pool: 2\n  password: second-SECRET-2\n",
     ("password", 3, 5)),
    ("app.properties", "a=1\npassword=first-SECRET-1\n# c\npassword=second-SECRET-2\n", ("password", 2, 4)),
]


@pytest.mark.parametrize(("name", "text", "expected"), DUPLICATES, ids=[d[0] for d in DUPLICATES])
def test_a_duplicate_key_is_a_warning_in_every_format_and_the_last_one_wins(
        tmp_path: Path, name: str, text: str, expected: tuple[str, int, int]) -> None:
    key, first, second = expected
    result, outputs = audit(tmp_path, {"production": {name: text}, "staging": {name: text}},
                            paths=f'["envs/{{env}}/{name}"]')
    assert result.returncode == 0, result.stderr  # a warning never changes the exit code
    report = json.loads(outputs["report.json"])
    assert report["errors"] == []
    message = (f"{tmp_path.resolve() / 'envs' / 'production' / name}: duplicate key {key!r} at lines "
               f"{first} and {second}; the last one (line {second}) is used")
    production = {"environment": "production", "probe": "app", "object": name, "message": message}
    assert production in report["warnings"]
    assert len(report["warnings"]) == 2  # one per environment
    for out_name, out in outputs.items():
        quote = "&#39;" if out_name == "report.html" else "'"
        assert f"duplicate key {quote}{key}{quote} at lines {first} and {second}" in out, out_name
        assert "SECRET" not in out, out_name
    assert "SECRET" not in result.stdout + result.stderr
    printed = snapshot_text(tmp_path, "staging")
    snapshot = json.loads((tmp_path / "staging.json").read_text(encoding="utf-8"))
    staging = message.replace("production", "staging")
    assert [w["message"] for w in snapshot["probes"]["app"]["warnings"]] == [staging]
    assert f"fidelity: staging/app: warning: {staging}" in printed  # the snapshot command says so too


def test_the_last_definition_is_the_one_compared(tmp_path: Path) -> None:
    for name, text, _ in DUPLICATES:
        other = text.replace("second-SECRET-2", "first-SECRET-1")
        drifted = collect_one(tmp_path / "a" / name, name, text).data
        same = collect_one(tmp_path / "b" / name, name, other).data
        assert drifted != same, name  # the second value is kept: changing it changes the data
        assert len(collect_one(tmp_path / "c" / name, name, text).warnings) == 1


def test_toml_and_ini_duplicates_stay_errors(tmp_path: Path) -> None:
    toml = collect_one(tmp_path / "t", "app.toml", 'a = 1\npassword = "x-SECRET"\npassword = "y-SECRET"\n')
    ini = collect_one(tmp_path / "i", "app.ini", "[s]\npassword = x-SECRET\npassword = y-SECRET\n")
    for result in (toml, ini):
        [gap] = result.gaps
        assert "SECRET" not in gap.message
        assert result.data == {}
    assert "line 3" in toml.gaps[0].message
    assert "appears twice" in ini.gaps[0].message


def test_merged_yaml_keys_may_be_overridden_without_a_warning(tmp_path: Path) -> None:
    result = collect_one(tmp_path, "app.yaml", "base: &b {pool: 1, ssl: true}\ndb:\n  <<: *b\n  pool: 2\n")
    assert result.warnings == ()
    assert result.data["app.yaml"]["db"] == {"pool": 2, "ssl": True}


def test_a_duplicate_key_that_looks_like_a_secret_is_not_shown(tmp_path: Path) -> None:
    key = "postgres://app:pw-SECRET-9@db/app"
    text = json.dumps({"a": 1}).replace("}", f', "{key}": 1, "{key}": 2}}')
    result = collect_one(tmp_path, "app.json", text)
    [warning] = result.warnings
    assert "pw-SECRET-9" not in warning.message
    assert "duplicate key 'postgres://app:[secret:" in warning.message


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_a_duplicate_key_fingerprinted_in_the_data_is_not_shown_in_the_warning(
        tmp_path: Path, fmt: str) -> None:
    # below a secret-looking name a random-looking key (a token as a map key) is fingerprinted whole,
    # and so is a quoted literal in a key: the warning about it being written twice must not show it
    token, literal = "q8Zr2LmX0vKpT7wN4bYc9HsJ", "'pw-SECRET-7'"
    pairs = [("tokens", [(token, "svc-a"), (token, "svc-b")]), ("password", [(literal, 1), (literal, 2)])]
    if fmt == "json":
        text = "{" + ", ".join(f'"{k}": {{' + ", ".join(f'"{a}": {json.dumps(b)}' for a, b in v) + "}"
                               for k, v in pairs) + "}"
    else:
        text = "".join(f"{k}:\n" + "".join(f'  "{a}": {json.dumps(b)}\n' for a, b in v) for k, v in pairs)
    (tmp_path / "fidelity.toml").write_text(two_env_config(f'["envs/{{env}}/app.{fmt}"]'))
    (tmp_path / "envs" / "staging").mkdir(parents=True)
    (tmp_path / "envs" / "staging" / f"app.{fmt}").write_text(text, encoding="utf-8")
    printed = snapshot_text(tmp_path, "staging")
    snapshot = json.loads((tmp_path / "staging.json").read_text(encoding="utf-8"))
    assert len(snapshot["probes"]["app"]["warnings"]) == 2
    data = json.dumps(snapshot["probes"]["app"]["data"])
    for secret in (token, "pw-SECRET-7"):
        assert secret not in data  # fingerprinted in the data...
        assert secret not in printed  # ...and so neither in the snapshot's warnings nor on stderr


def test_hostile_duplicate_keys_are_escaped_in_html(tmp_path: Path) -> None:
    key = "<script>alert(1)</script>"
    text = json.dumps({key: 1})[:-1] + f', "{key}": 2}}'
    result, outputs = audit(tmp_path, {"production": {"h.json": text}, "staging": {"h.json": text}},
                            paths='["envs/{env}/h.json"]')
    assert result.returncode == 0
    assert "<script>alert(1)" not in outputs["report.html"]
    assert "&lt;script&gt;" in outputs["report.html"]
    assert key in outputs["report.json"]


# --- every parser, any input ----------------------------------------------------------------------

TOKENS = st.sampled_from([*"aZ0_=:#'\"\\\n\r\t {}[],.-!&*<>|%@`$", "export ", "---\n", "\\u00", "<<: ",
                          "\ufeff", "\x00", "\ud800", "é", "😀", "true", "null", "0x1", "1e999"])
TEXT = st.text() | st.lists(TOKENS, max_size=60).map("".join)


@pytest.mark.parametrize("fmt", FORMATS)
@given(text=TEXT)
@settings(max_examples=150, deadline=None)
def test_every_parser_returns_a_tree_or_a_format_error(fmt: str, text: str) -> None:
    duplicates: list[Duplicate] = []
    try:
        tree = parse(fmt, text, "fuzz", duplicates)
    except FormatError as exc:
        message = str(exc)
        assert message.startswith("fuzz: ")
        assert "\n" not in message
    else:
        json.dumps(tree, ensure_ascii=False).encode("utf-8")  # JSON-native and encodable
        assert all(d.first <= d.second for d in duplicates)


@given(raw=st.binary(max_size=300))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_arbitrary_bytes_end_in_data_or_a_gap(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        names = [f"f.{ext}" for ext in ("env", "json", "yaml", "toml", "ini", "properties")]
        for name in names:
            Path(folder, name).write_bytes(raw)
        result = probe(paths=[os.path.join(folder, n) for n in names]).collect()
    assert set(result.data) | {g.object for g in result.gaps} == set(names)


def test_huge_lines_and_broken_encodings_are_bounded(tmp_path: Path) -> None:
    huge = "A=" + "x" * 2_000_000 + "\n"
    result = collect_one(tmp_path / "h", "app.env", huge)
    assert len(result.data["app.env"]["A"]) == 2_000_000
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "app.env").write_bytes(b"A=1\nB=\xff\xfe-SECRET\n")
    [gap] = probe(paths=[str(tmp_path / "b" / "app.env")]).collect().gaps
    assert "not valid utf-8 at line 2" in gap.message
    assert "SECRET" not in gap.message


# --- helpers ----------------------------------------------------------------------------------------

def probe(**overrides: Any) -> ConfigFilesProbe:
    opts = {o.name: o.default for o in ConfigFilesProbe.option_schema} | overrides
    return ConfigFilesProbe("app", opts, ProbeContext("staging", SecretKeeper(b"k")))


def collect_one(folder: Path, name: str, text: str) -> Any:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return probe(paths=[str(folder / name)]).collect()
