"""The dependency file formats: each format's ecosystem and parser, and the format a file name implies."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable

from probes.dependencies.npm import parse_package_lock, parse_pnpm_lock, parse_yarn_lock
from probes.dependencies.python import (
    parse_pip_freeze,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_requirements,
    parse_uv_lock,
)

Parser = Callable[[str, str], dict[str, str]]

#: Format name -> (ecosystem, parser).
PARSERS: dict[str, tuple[str, Parser]] = {
    "requirements": ("pypi", parse_requirements),
    "pip-freeze": ("pypi", parse_pip_freeze),
    "poetry-lock": ("pypi", parse_poetry_lock),
    "uv-lock": ("pypi", parse_uv_lock),
    "pipfile-lock": ("pypi", parse_pipfile_lock),
    "package-lock": ("npm", parse_package_lock),
    "yarn-lock": ("npm", parse_yarn_lock),
    "pnpm-lock": ("npm", parse_pnpm_lock),
}
FORMATS = tuple(PARSERS)

#: File-name globs (lower case) that tell the format when `format` is not set.
FILE_FORMATS = (
    ("*requirements*.txt", "requirements"),
    ("poetry.lock", "poetry-lock"),
    ("uv.lock", "uv-lock"),
    ("pipfile.lock", "pipfile-lock"),
    ("package-lock.json", "package-lock"),
    ("npm-shrinkwrap.json", "package-lock"),
    ("yarn.lock", "yarn-lock"),
    ("pnpm-lock.yaml", "pnpm-lock"),
)


def guess_format(path: str) -> str | None:
    """The format a file's name implies, or None."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return next((fmt for pattern, fmt in FILE_FORMATS if fnmatch.fnmatchcase(base, pattern)), None)
