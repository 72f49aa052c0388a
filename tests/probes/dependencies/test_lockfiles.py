"""The lockfile parsers: real-looking fixtures of every format, masking, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidelity.redact import mask_text
from probes.dependencies.lockfile import LockfileError, keyed
from probes.dependencies.npm import npm_name, parse_package_lock, parse_pnpm_lock, parse_yarn_lock
from probes.dependencies.python import (
    parse_pip_freeze,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_requirements,
    parse_uv_lock,
)

FIXTURES = Path(__file__).parent / "fixtures" / "deps"
Parser = Callable[[str, str], dict[str, str]]
PARSERS: list[Parser] = [parse_requirements, parse_poetry_lock, parse_uv_lock, parse_pipfile_lock,
                         parse_package_lock, parse_yarn_lock, parse_pnpm_lock]

EXPECTED: list[tuple[str, Parser, dict[str, str]]] = [
    ("requirements.txt", parse_requirements, {
        "asgiref": "3.7.2",
        "audit-log": "git+https://ci-bot:***@git.example.com/platform/audit-log.git@v2.1.0#egg=audit_log",
        "celery": "<6,>=5.3",
        "django": "4.2.7",
        "internal-sdk": "./vendor/internal_sdk-1.4.0-py3-none-any.whl",
        "psycopg": "3.1.12",
        "requests": "*",
        "shared-utils": "./libs/shared-utils",
        "sqlparse": "0.4.4",
        'typing-extensions ; python_version < "3.11"': "4.8.0",
        'typing-extensions ; python_version >= "3.11"': "4.7.1",
        "tzdata": "2023.3",
    }),
    ("freeze.txt", parse_pip_freeze, {
        "acme-service": "/srv/app/acme-service",
        "asgiref": "3.7.2",
        "billing-client": "git+https://github.com/acme/billing-client.git"
                          "@3f2a9c1d0e8b7a6f5e4d3c2b1a0f9e8d7c6b5a41#egg=billing_client",
        "certifi": "2023.7.22",
        "charset-normalizer": "3.3.2",
        "django": "4.2.7",
        "idna": "3.4",
        "mypkg": "file:///tmp/build/mypkg-0.3.1.tar.gz",
        "requests": "2.31.0",
        "urllib3": "2.0.7",
    }),
    ("poetry.lock", parse_poetry_lock, {
        "certifi": "2023.11.17", "django": "4.2.7", "internal-sdk": "1.4.0",
        "numpy@1.24.4": "1.24.4", "numpy@1.26.2": "1.26.2", "ruamel-yaml": "0.18.5",
    }),
    ("uv.lock", parse_uv_lock, {"anyio": "4.2.0", "flask-login": "0.6.3", "idna": "3.6", "sniffio": "1.3.0"}),
    ("Pipfile.lock", parse_pipfile_lock, {
        "audit-log": "https://ci-bot:***@git.example.com/platform/audit-log.git"
                     "@9f8e7d6c5b4a39281706f5e4d3c2b1a098f7e6d5",
        "flask": "3.0.0", "markupsafe": "2.1.3", "pytest": "7.4.3", "werkzeug": "3.0.1",
    }),
    ("package-lock.json", parse_package_lock, {
        "@babel/runtime": "7.23.5", "debug": "4.3.4", "debug (via express)": "2.6.9",
        "express": "4.18.2", "left-pad": "1.3.0", "ms": "2.1.2", "ms (via express > debug)": "2.0.0",
        "private-lib": "1.2.0", "react": "18.2.0", "react (via packages/ui)": "17.0.2", "send": "0.18.0",
    }),
    ("package-lock.v1.json", parse_package_lock, {
        "@types/node": "14.18.63", "debug (via express)": "2.6.9", "express": "4.17.1", "ms": "2.1.3",
        "ms (via express > debug)": "2.0.0",
        "private-lib": "git+https://deploy:***@github.com/acme/private-lib.git"
                       "#6c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d",
    }),
    ("yarn.lock", parse_yarn_lock, {
        "@babel/code-frame": "7.23.5", "@babel/core": "7.23.5", "chalk@2.4.2": "2.4.2",
        "chalk@4.1.2": "4.1.2", "debug": "4.3.4", "lodash": "4.17.21", "ms": "2.1.2",
        "string-width": "4.2.3", "string-width-cjs": "4.2.3",
    }),
    ("yarn-berry.lock", parse_yarn_lock,
     {"@babel/runtime": "7.23.5", "regenerator-runtime": "0.14.0", "typescript": "5.3.2"}),
    ("pnpm-lock.yaml", parse_pnpm_lock, {
        "@babel/runtime": "7.23.5", "js-tokens": "4.0.0", "loose-envify": "1.4.0",
        "react-dom": "18.2.0", "react@17.0.2": "17.0.2", "react@18.2.0": "18.2.0", "widgets": "2.0.0",
    }),
    ("pnpm-lock.v6.yaml", parse_pnpm_lock, {
        "@babel/runtime": "7.23.5", "react": "18.2.0", "react-dom": "18.2.0",
        "regenerator-runtime": "0.14.0", "styled-components": "6.1.1", "widgets": "2.0.0",
    }),
    ("pnpm-lock.v5.yaml", parse_pnpm_lock, {
        "@babel/runtime": "7.23.5", "@testing-library/react": "14.1.2", "react": "18.2.0",
        "react-dom": "18.2.0", "regenerator-runtime": "0.14.0",
    }),
]


@pytest.mark.parametrize(("file_name", "parse", "expected"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_parses_fixture(file_name: str, parse: Parser, expected: dict[str, str]) -> None:
    assert parse((FIXTURES / file_name).read_text(encoding="utf-8"), file_name) == expected


def test_requirements_never_keep_index_url_or_vcs_credentials() -> None:
    parsed = parse_requirements((FIXTURES / "requirements.txt").read_text(encoding="utf-8"), "r.txt")
    shown = repr(parsed)
    assert "tok3n" not in shown
    assert "s3cr3tpw" not in shown
    assert "pypi.internal.example.com" not in shown  # option lines are skipped entirely


@pytest.mark.parametrize(("line", "expected"), [
    ("-e git+https://user:pw@host/repo.git#egg=x", {"x": "git+https://user:***@host/repo.git#egg=x"}),
    ("--editable=git+https://ghp_Abc123@github.com/acme/tools.git@main",
     {"tools": "git+https://***@github.com/acme/tools.git@main"}),
    ("-e .", {".": "."}),
    ("-e http://[bad-host/lib.git#egg=lib", {"lib": "http://[bad-host/lib.git#egg=lib"}),
    ("pkg @ https://u:hunter2@files.example.com/pkg-1.0.tar.gz",
     {"pkg": "https://u:***@files.example.com/pkg-1.0.tar.gz"}),
    ("https://files.example.com/dl/other_pkg-2.0.tar.gz", {"other-pkg": "https://files.example.com/dl/other_pkg-2.0.tar.gz"}),
    ("Flask_Login===0.6.3", {"flask-login": "0.6.3"}),
    ("django==4.*", {"django": "==4.*"}),
    ("django == 4.2.1  --hash sha256:abc", {"django": "4.2.1"}),
    ("pkg==1.0 \\\n  # a comment ends the continuation \\\nother==2.0", {"pkg": "1.0", "other": "2.0"}),
], ids=["vcs-password", "vcs-token", "project-itself", "malformed-url", "direct-url", "bare-url",
        "arbitrary-eq", "wildcard", "hash-option", "comment-after-continuation"])
def test_requirement_lines(line: str, expected: dict[str, str]) -> None:
    assert parse_requirements(line + "\n", "requirements.txt") == expected


def test_a_name_repeated_under_one_marker_is_an_error_naming_both_lines() -> None:
    with pytest.raises(LockfileError, match=r"r\.txt, line 3: django is listed twice \(lines 1 and 3\)"):
        parse_requirements("django==4.2\nflask==3.0\nDjango==5.0\n", "r.txt")


@pytest.mark.parametrize(("parse", "text", "message"), [
    (parse_requirements, "django==4.2\nflask>>2\n",
     "requirements.txt, line 2: invalid requirement 'flask>>2': Expected"),
    (parse_requirements, "ok==1\nbad \\\n  spec==1\n", "requirements.txt, line 2: invalid requirement"),
    (parse_poetry_lock, '[[package]]\nname = "a"\nversion = \n',
     "requirements.txt, line 3: invalid TOML: Invalid value (column 11)"),
    (parse_poetry_lock, '[[package]]\nname = "a"\n', "requirements.txt: a has no version"),
    (parse_uv_lock, "package = 3\n", "requirements.txt: `package` should be an array of tables"),
    (parse_pipfile_lock, '{\n "default": {\n  "a": {"version": "==1"},\n }\n}\n',
     "requirements.txt, line 4: invalid JSON"),
    (parse_pipfile_lock, '{"default": {"a": {"hashes": []}}}', "a has no version, git, path or file"),
    (parse_package_lock, "[]", "expected a JSON object at the top, found list"),
    (parse_package_lock, '{"packages": {"node_modules/a": {"dev": true}}}',
     "packages['node_modules/a'] has no version"),
    (parse_yarn_lock, 'lodash@^4:\n  version "4.17.21"\nnot a header\n',
     "requirements.txt, line 3: expected an entry header"),
    (parse_yarn_lock, '# yarn lockfile v1\n\nlodash@^4:\n  resolved "x"\n',
     "requirements.txt, line 3: entry lodash has no version"),
    (parse_yarn_lock, '  version "1.0.0"\n', "line 1: indented line outside any entry"),
    (parse_yarn_lock, '"@scope@^1":\n  version "1.0.0"\n', "line 1: cannot tell the package name"),
    (parse_yarn_lock, '"a@^1" "b@^2":\n  version "1.0.0"\n', "line 1: cannot read entry header"),
    (parse_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: [\n", "line 4: invalid YAML"),
    (parse_pnpm_lock, "packages: {}\n", "no lockfileVersion"),
    (parse_pnpm_lock, "lockfileVersion: '9.0'\npackages:\n  nonsense: {}\n",
     "cannot tell the package name and version of packages['nonsense']"),
], ids=lambda value: getattr(value, "__name__", None))
def test_bad_input_names_file_and_line(parse: Parser, text: str, message: str) -> None:
    with pytest.raises(LockfileError) as caught:
        parse(text, "requirements.txt")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_error_messages_mask_credentials() -> None:
    with pytest.raises(LockfileError) as caught:
        parse_requirements("mypkg>>1 token=sekrit\n", "r.txt")
    assert "sekrit" not in str(caught.value)


def test_keyed_splits_a_name_with_several_versions() -> None:
    pairs = [("a", "1.0"), ("b", "2.0"), ("a", "1.1"), ("b", "2.0")]
    assert keyed(pairs) == {"a@1.0": "1.0", "a@1.1": "1.1", "b": "2.0"}


@pytest.mark.parametrize(("text", "expected"), [
    ("git+https://bot:pw@host/r.git", "git+https://bot:***@host/r.git"),
    ("https://ghp_tok@github.com/a/b", "https://***@github.com/a/b"),
    ("git+ssh://git@github.com/a/b.git", "git+ssh://git@github.com/a/b.git"),
    ("https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz", "https://registry.npmjs.org/@babel/core/-/core-7.0.0.tgz"),
])
def test_mask_text(text: str, expected: str) -> None:
    assert mask_text(text) == expected


@pytest.mark.parametrize(("spec", "name"), [
    ("@babel/core@^7.0.0", "@babel/core"), ("lodash@^4", "lodash"),
    ("string-width-cjs@npm:string-width@^4.2.0", "string-width-cjs"),
    ("@babel/core@npm:7.2.0", "@babel/core"),
])
def test_npm_name(spec: str, name: str) -> None:
    assert npm_name(spec, "yarn.lock") == name


REQUIREMENTS_TOKENS = st.sampled_from(
    [*"abz019 =<>!~;[],.@#\\\n\"'-:/+*()$\t", "-e ", "://", "http://[", "==", "  "])


@pytest.mark.parametrize("parse", PARSERS, ids=lambda p: p.__name__)
@given(text=st.text() | st.lists(REQUIREMENTS_TOKENS).map("".join))
def test_parsers_never_crash(parse: Parser, text: str) -> None:
    try:
        parsed = parse(text, "fuzz")
    except LockfileError as exc:
        message = str(exc)
    else:
        message = "fuzz"
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in parsed.items())
    assert message.startswith("fuzz")
    assert "\n" not in message
