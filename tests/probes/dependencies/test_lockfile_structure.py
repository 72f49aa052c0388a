"""A lockfile with the wrong structure is a gap (exit 3), never "package missing" drift or a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import fidelity
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.dependencies.lockfile import LockfileError
from probes.dependencies.npm import parse_package_lock, parse_pnpm_lock, parse_yarn_lock
from probes.dependencies.python import parse_pipfile_lock, parse_poetry_lock, parse_uv_lock

Parser = Callable[[str, str], dict[str, str]]

WRONG = [
    (parse_package_lock, '{"packages": [{"node_modules/a": {"version": "1.0.0"}}]}',
     "`packages` should be a mapping, found list"),
    (parse_package_lock, '{"packages": {"node_modules/a": "1.0.0"}}',
     "packages['node_modules/a'] should be a table, found str"),
    (parse_package_lock, '{"packages": {"node_modules/a": {"version": 1.1}}}',
     "packages['node_modules/a']: `version` should be a string, found float"),
    (parse_package_lock, '{"dependencies": {"a": {"version": "1.0.0", "dependencies": ["b"]}}}',
     "`dependencies` should be a mapping, found list"),
    (parse_poetry_lock, '[[package]]\nname = "a"\nversion = 1.10\n', "a: `version` should be a string"),
    (parse_uv_lock, 'package = ["a"]\n', "[[package]] #1 should be a table, found str"),
    (parse_uv_lock, '[[package]]\nname = 7\nversion = "1"\n', "`name` should be a string, found int"),
    (parse_pipfile_lock, '{"default": [{"a": {"version": "==1"}}]}', "`default` should be a mapping"),
    (parse_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  - a@1.0.0\n", "`packages` should be a mapping"),
    (parse_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: x\n",
     "packages['a@1.0.0'] should be a table, found str"),
    (parse_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {version: 1.1}\n",
     "`version` should be a string, found float"),
    (parse_yarn_lock, '__metadata:\n  version: 6\n"a@npm:^1":\n  version: 1.10\n',
     "`version` should be a string, found float"),
]


@pytest.mark.parametrize(("parse", "text", "message"), WRONG, ids=[f"{w[0].__name__}-{i}" for i, w in
                                                                    enumerate(WRONG)])
def test_wrong_structure_is_an_error_naming_the_file(parse: Parser, text: str, message: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse(text, "lock")
    assert str(caught.value).startswith("lock: ")
    assert message in str(caught.value)


def test_a_lockfile_with_packages_as_a_list_is_a_gap_not_missing_packages(tmp_path: Path) -> None:
    good = {"lockfileVersion": 3, "packages": {"": {"name": "app"},
                                               "node_modules/left-pad": {"version": "1.3.0"}}}
    bad = {"lockfileVersion": 3, "packages": [{"node_modules/left-pad": {"version": "1.3.0"}}]}
    for env, doc in (("production", good), ("staging", bad)):
        (tmp_path / env).mkdir()
        (tmp_path / env / "package-lock.json").write_text(json.dumps(doc))
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.deps]\ntype = "dependencies"\npaths = ["{env}/package-lock.json"]\n')
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report["comparisons"][0]["findings"] == []
    [error] = report["errors"]
    assert error["message"].endswith("package-lock.json: `packages` should be a mapping, found list")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children,
                                                                       max_size=4),
    max_leaves=20)
SHAPED = st.fixed_dictionaries({}, optional={
    "packages": JSON_VALUES, "dependencies": JSON_VALUES, "default": JSON_VALUES, "develop": JSON_VALUES,
    "lockfileVersion": st.sampled_from(["9.0", "6.0", 5, "x"]), "package": JSON_VALUES,
    "__metadata": JSON_VALUES,
    "node_modules/a": JSON_VALUES, "a@1.0.0": JSON_VALUES, "a@npm:^1": JSON_VALUES,
})


def _toml(doc: dict[str, Any]) -> str:
    """A TOML rendering good enough for fuzzing: tables of strings become [[package]] entries."""
    lines = []
    for entry in doc.get("package") if isinstance(doc.get("package"), list) else []:
        lines.append("[[package]]")
        if isinstance(entry, dict):
            lines += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in entry.items()
                      if isinstance(v, (str, int, bool))]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("parse", [parse_package_lock, parse_pipfile_lock, parse_pnpm_lock, parse_yarn_lock,
                                   parse_poetry_lock, parse_uv_lock], ids=lambda p: p.__name__)
@given(doc=SHAPED)
@settings(max_examples=150, deadline=None)
def test_any_structure_ends_in_packages_or_an_error(parse: Parser, doc: dict[str, Any]) -> None:
    if parse in (parse_poetry_lock, parse_uv_lock):
        text = _toml(doc)
    elif parse in (parse_pnpm_lock, parse_yarn_lock):
        text = yaml.safe_dump(doc)
    else:
        text = json.dumps(doc)
    try:
        packages = parse(text, "fuzz")
    except LockfileError as exc:
        message = str(exc)
    else:
        message = "fuzz"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in packages.items())
    assert message.startswith("fuzz")
