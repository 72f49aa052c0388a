"""Hostile input through the whole tool: odd names, HTML, huge files, bombs, broken encodings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import fidelity, two_env_config

from fidelity.model import finding_paths as paths

CONFIG = two_env_config('["{env}/settings.yaml"]')
HOSTILE_KEYS = ["<script>alert(1)</script>", "a/b", "c~d", "quote\"d 'key'", "ключ", "emoji 🚀", "~1"]


def setup(tmp_path: Path, production: str, staging: str | bytes) -> Path:
    for env, content in (("production", production), ("staging", staging)):
        (tmp_path / env).mkdir()
        target = tmp_path / env / "settings.yaml"
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    config = tmp_path / "fidelity.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return config


def yaml_map(values: dict[str, str]) -> str:
    return "".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in values.items())


def test_odd_keys_round_trip_into_paths_and_render_escaped(tmp_path: Path) -> None:
    prod = dict.fromkeys(HOSTILE_KEYS, '<b>prod</b> & "x"')
    stag = dict.fromkeys(HOSTILE_KEYS, "<img src=x onerror=alert(1)>")
    config = setup(tmp_path, yaml_map(prod), yaml_map(stag))
    html_path = tmp_path / "r.html"
    result = fidelity("audit", "-c", str(config), "--format", "json", "--format", "html",
                      "-o", "-", "-o", str(html_path))
    assert result.returncode == 0, result.stderr  # medium changes pass the default gate
    report = json.loads(result.stdout)
    found = {f["path"]: f for f in report["comparisons"][0]["findings"]}
    expected = {"/".join(["app", "settings.yaml", paths.escape(k)]) for k in HOSTILE_KEYS}
    assert set(found) == expected
    assert "app/settings.yaml/a~1b" in found
    assert "app/settings.yaml/c~0d" in found
    assert "app/settings.yaml/~01" in found
    for key in HOSTILE_KEYS:
        finding = found["/".join(["app", "settings.yaml", paths.escape(key)])]
        assert finding["path"].split("/")[-1].replace("~1", "/").replace("~0", "~") == key
        assert finding["candidate"] == "<img src=x onerror=alert(1)>"
    page = html_path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "ключ" in page
    assert "🚀" in page


def test_rule_can_target_an_escaped_segment(tmp_path: Path) -> None:
    config = setup(tmp_path, yaml_map({"a/b": "1"}), yaml_map({"a/b": "2"}))
    config.write_text(CONFIG + '[[rules]]\npath = "app/*/a~1b"\naction = "ignore"\n', encoding="utf-8")
    report = json.loads(fidelity("audit", "-c", str(config), "--format", "json").stdout)
    assert [f["status"] for f in report["comparisons"][0]["findings"]] == ["ignored"]


@pytest.mark.parametrize(
    ("staging", "needle"),
    [
        (b"\x00\x01\x02binary\x00", "binary"),
        ("key: caf\xe9\n".encode("latin-1"), "not valid utf-8 at line 1"),
        ("a: [1, 2\nb: {\n", "line"),
    ],
)
def test_unreadable_candidate_file_is_incomplete(tmp_path: Path, staging: bytes | str, needle: str) -> None:
    config = setup(tmp_path, "a: 1\n", staging)
    result = fidelity("audit", "-c", str(config), "--format", "json")
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "error"
    error = report["errors"][0]
    assert error["environment"] == "staging"
    assert needle in error["message"].lower()
    assert "settings.yaml" in error["message"]
    assert report["comparisons"][0]["findings"] == []  # an unread file is a gap, not drift


def test_fifty_megabyte_file_is_refused_quickly(tmp_path: Path) -> None:
    config = setup(tmp_path, "a: 1\n", "a: 1\n")
    big = tmp_path / "staging" / "settings.yaml"
    with big.open("w", encoding="utf-8") as handle:
        line = "key_" + "x" * 90 + ": value\n"
        handle.write(line * (50_000_000 // len(line) + 1))
    result = fidelity("audit", "-c", str(config), "--format", "json")
    assert result.returncode == 3
    message = json.loads(result.stdout)["errors"][0]["message"]
    assert "max_size" in message
    assert "50.0 MB" in message


def test_yaml_bomb_is_refused_without_exploding(tmp_path: Path) -> None:
    bomb = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        bomb += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
    config = setup(tmp_path, "a: 1\n", bomb)
    result = fidelity("audit", "-c", str(config), "--format", "json")  # finishes (the helper's timeout)
    assert result.returncode == 3
    assert "alias" in json.loads(result.stdout)["errors"][0]["message"].lower()
