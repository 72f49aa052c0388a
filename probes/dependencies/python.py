"""Parsers for Python dependency files: requirements / pip freeze, poetry.lock, uv.lock, Pipfile.lock.

Names are canonicalised (PEP 503). Keys and values:

- requirements: `name` -> the pinned version (`django==4.2.1` -> "4.2.1"), else the
  specifier text (`django>=4` -> ">=4", none -> "*"), else the masked URL of a direct
  reference, `-e` line or bare URL/path. Extras and `--hash` options are dropped;
  `-r`, `-c`, index and other option lines are skipped and never stored. A name listed
  again under another environment marker is keyed `name ; <marker>` (the unmarked
  line keeps `name`). When no name can be told (`-e .`), the location is the key.
- poetry.lock, uv.lock: `[[package]]` name -> version. uv's workspace members (editable
  or virtual sources, i.e. the project itself) are skipped.
- Pipfile.lock: `default` and `develop` entries, with "==" stripped from the version.

In the lockfiles a name locked at several versions is keyed `name@<version>` (see `keyed`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from fidelity.probe import mask_text
from probes.dependencies.lockfile import (
    LockfileError,
    keyed,
    load_json,
    load_toml,
    required_text,
    table,
)

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_EDITABLE_RE = re.compile(r"^(?:-e|--editable)(?:\s*=\s*|\s+)(\S+)")
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2")
_PINS = ("==", "===")


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each line, with `\\` continuations joined as pip does."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not parts:
            start = number
        if line.endswith("\\") and not _COMMENT_RE.match(line):
            parts.append(line[:-1])
            continue
        parts.append(line)
        yield start, " ".join(parts)
        parts = []
    if parts:
        yield start, " ".join(parts)


def _name_from_location(location: str) -> str:
    """The package a URL or path installs: `#egg=`, a wheel or sdist file name, else its last part."""
    try:
        split = urlsplit(location)
        path, fragment = split.path, split.fragment
    except ValueError:  # a malformed URL, such as an unclosed IPv6 host
        path, _, fragment = location.partition("#")
    for item in fragment.split("&"):
        key, _, value = item.partition("=")
        if key == "egg" and value:
            return value.split("[")[0]
    last = PurePosixPath(path or location).name.split("@")[0]
    if last.endswith(".whl"):
        return last.split("-")[0]
    for archive in (*_ARCHIVES, ".git"):
        if last.endswith(archive):
            stem = last[: -len(archive)]
            return stem.rpartition("-")[0] if archive != ".git" and "-" in stem else stem
    return last


def _is_location(text: str) -> bool:
    return "://" in text or text.startswith((".", "/", "~")) or text.endswith(_ARCHIVES)


def canonicalize_name(name: str) -> str:
    """A package name as PyPI compares it (packaging's, imported on first use: it is slow to import)."""
    from packaging.utils import canonicalize_name as canonical

    return canonical(name)


def _location_entry(location: str) -> tuple[str, str | None, str]:
    shown = mask_text(location)
    name = _name_from_location(location)
    return (canonicalize_name(name) if name.strip(".") else shown), None, shown


def _requirement_entry(text: str, label: str, number: int) -> tuple[str, str | None, str]:
    """(name, marker, value) of one requirement line."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        if _is_location(text):
            return _location_entry(text)
        raise LockfileError(label, f"invalid requirement {mask_text(text)!r}: {exc}", number) from None
    marker = str(req.marker) if req.marker is not None else None
    specs = list(req.specifier)
    if req.url:
        value = mask_text(req.url)
    elif len(specs) == 1 and specs[0].operator in _PINS and "*" not in specs[0].version:
        value = specs[0].version
    else:
        value = str(req.specifier) or "*"
    return canonicalize_name(req.name), marker, value


def parse_requirements(text: str, label: str) -> dict[str, str]:
    """Parse a pip requirements file or `pip freeze` output."""
    entries: list[tuple[int, str, str | None, str]] = []
    for number, line in _logical_lines(text):
        line = _COMMENT_RE.sub("", line).strip()
        if not line:
            continue
        if line.startswith("-"):
            editable = _EDITABLE_RE.match(line)
            if editable:  # every other option line (-r, -c, --index-url, ...) is skipped, unstored
                entries.append((number, *_location_entry(editable[1])))
            continue
        words = []
        for word in line.split():  # per-requirement options (--hash=...) follow the requirement
            if word.startswith("-"):
                break
            words.append(word)
        entries.append((number, *_requirement_entry(" ".join(words), label, number)))
    names = [name for _, name, _, _ in entries]
    result: dict[str, str] = {}
    seen: dict[str, int] = {}
    for number, name, marker, value in entries:
        key = f"{name} ; {marker}" if marker is not None and names.count(name) > 1 else name
        if key in seen:
            raise LockfileError(label, f"{key} is listed twice (lines {seen[key]} and {number})", number)
        seen[key] = number
        result[key] = value
    return dict(sorted(result.items()))


parse_pip_freeze = parse_requirements


def _toml_packages(text: str, label: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(canonical name, entry) for each `[[package]]` of a TOML lockfile."""
    packages = load_toml(text, label).get("package", [])
    if not isinstance(packages, list):
        raise LockfileError(label, "`package` should be an array of tables ([[package]])")
    for index, entry in enumerate(packages, 1):
        yield canonicalize_name(required_text(entry, "name", label, f"[[package]] #{index}")), entry


def parse_poetry_lock(text: str, label: str) -> dict[str, str]:
    """Parse poetry.lock."""
    return keyed((name, required_text(entry, "version", label, name))
                 for name, entry in _toml_packages(text, label))


def parse_uv_lock(text: str, label: str) -> dict[str, str]:
    """Parse uv.lock, skipping workspace members."""
    return keyed(
        (name, required_text(entry, "version", label, name))
        for name, entry in _toml_packages(text, label)
        if not _is_workspace_member(entry.get("source"))
    )


def _is_workspace_member(source: Any) -> bool:
    return isinstance(source, dict) and bool({"editable", "virtual"} & source.keys())


def parse_pipfile_lock(text: str, label: str) -> dict[str, str]:
    """Parse Pipfile.lock (`default` and `develop`)."""
    doc = load_json(text, label)
    return keyed(
        (canonicalize_name(name), _pipfile_version(entry, name, label))
        for section in ("default", "develop")
        for name, entry in table(doc, section, label).items()
    )


def _pipfile_version(entry: Any, name: str, label: str) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("version"), str):
        version: str = entry["version"]
        for pin in sorted(_PINS, key=len, reverse=True):
            if version.startswith(pin):
                return version[len(pin):]
        return version
    if isinstance(entry, dict) and isinstance(entry.get("git"), str):
        ref = entry.get("ref")
        return mask_text(entry["git"] + (f"@{ref}" if ref else ""))
    for key in ("path", "file"):
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            return mask_text(entry[key])
    raise LockfileError(label, f"{name} has no version, git, path or file")
