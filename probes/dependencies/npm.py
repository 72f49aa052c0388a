"""Parsers for npm-ecosystem lockfiles: package-lock.json, yarn.lock, pnpm-lock.yaml.

Names are kept as written (`@scope/pkg` included). Keys and values:

- package-lock.json / npm-shrinkwrap.json: v2/v3 read the `packages` map, v1 the
  `dependencies` tree. A top-level install (`node_modules/<name>`) is keyed `name`;
  a nested one `name (via <parent> > <child>)`, naming the packages it sits in.
  The root project, workspace sources and links are skipped.
- yarn.lock: v1 (parsed by hand) and Berry (YAML); workspace entries are skipped.
- pnpm-lock.yaml: v5 (`/name/1.0.0_peer`), v6 (`/name@1.0.0(peer)`) and v9
  (`name@1.0.0`) keys under `packages`; peer suffixes are dropped.

In yarn and pnpm lockfiles a name resolved to several versions is keyed
`name@<version>` (see `keyed`). URL-like versions are masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fidelity.probe import mask_text
from probes.dependencies.lockfile import (
    LockfileError,
    keyed,
    load_json,
    load_yaml,
    optional_text,
    required_text,
    table,
)

_NODE_MODULES = "node_modules/"
_BERRY_RE = re.compile(r"^__metadata:", re.MULTILINE)
_SPEC_RE = re.compile(r'"([^"]*)"|([^",\s][^",]*)')
_YARN_VERSION_RE = re.compile(r'^version:?\s+"?([^"\s]+)"?$')
_DIGITS_RE = re.compile(r"\d+")


def npm_name(spec: str, label: str, line: int | None = None) -> str:
    """The package name of `name@range` (scoped names start with '@')."""
    at = spec.find("@", 1)
    name = spec[:at] if at > 0 else ""
    if not name or (name.startswith("@") and "/" not in name):
        raise LockfileError(label, f"cannot tell the package name of {spec!r}", line)
    return name


def parse_package_lock(text: str, label: str) -> dict[str, str]:
    """Parse package-lock.json or npm-shrinkwrap.json (lockfile v1, v2 or v3)."""
    doc = load_json(text, label)
    if doc.get("packages") is not None:
        pairs = _lock_packages(table(doc, "packages", label), label)
    else:
        pairs = _lock_dependencies(table(doc, "dependencies", label), (), label)
    result: dict[str, str] = {}
    for chain, version in pairs:
        name = chain[-1]
        key = f"{name} (via {' > '.join(chain[:-1])})" if len(chain) > 1 else name
        result[key] = mask_text(version)
    return dict(sorted(result.items()))


def _lock_packages(packages: dict[str, Any], label: str) -> Iterator[tuple[tuple[str, ...], str]]:
    for path, entry in packages.items():
        if not isinstance(entry, dict):
            raise LockfileError(label, f"packages[{path!r}] should be a table, found {type(entry).__name__}")
        if _NODE_MODULES not in path or entry.get("link"):
            continue  # the root project, a workspace's sources, or a link to them
        head, *installs = path.split(_NODE_MODULES)
        chain = tuple(part.rstrip("/") for part in ([head] if head else []) + installs)
        yield chain, _version_or_resolved(entry, f"packages[{path!r}]", label)


def _lock_dependencies(deps: dict[str, Any], parents: tuple[str, ...], label: str
                       ) -> Iterator[tuple[tuple[str, ...], str]]:
    for name, entry in deps.items():
        yield (*parents, name), _version_or_resolved(entry, f"dependency {name}", label)
        nested = table(entry, "dependencies", label)
        if nested:
            yield from _lock_dependencies(nested, (*parents, name), label)


def _version_or_resolved(entry: Any, where: str, label: str) -> str:
    if isinstance(entry, dict) and not entry.get("version"):
        resolved = optional_text(entry, "resolved", label, where)
        if resolved:
            return resolved
    return required_text(entry, "version", label, where)


def parse_yarn_lock(text: str, label: str) -> dict[str, str]:
    """Parse yarn.lock, v1 or Berry."""
    if _BERRY_RE.search(text):
        return keyed(_berry_entries(text, label))
    return keyed(_yarn_v1_entries(text, label))


def _berry_entries(text: str, label: str) -> Iterator[tuple[str, str]]:
    for header, entry in load_yaml(text, label).items():
        header = str(header)
        if header == "__metadata" or "@workspace:" in header:
            continue
        version = required_text(entry, "version", label, f"entry {header!r}")
        for spec in header.split(","):
            yield npm_name(spec.strip(), label), version


def _yarn_v1_entries(text: str, label: str) -> Iterator[tuple[str, str]]:
    names: set[str] = set()
    header_line = 0
    version: str | None = None
    for number, raw in enumerate([*text.split("\n"), ""], 1):
        line = raw.rstrip()
        if line.lstrip().startswith("#"):
            continue
        if names and (not line or not line[0].isspace()):  # the previous entry has ended
            if version is None:
                raise LockfileError(label, f"entry {min(names)} has no version", header_line)
            yield from ((name, version) for name in sorted(names))
            names, version = set(), None
        if not line:
            continue
        if not line[0].isspace():
            if not line.endswith(":"):
                raise LockfileError(label, "expected an entry header such as `name@^1.0.0:`", number)
            names = {npm_name(spec, label, number) for spec in _yarn_specs(line[:-1], label, number)}
            header_line = number
        elif not names:
            raise LockfileError(label, "indented line outside any entry", number)
        elif len(line) - len(line.lstrip()) == 2:
            found = _YARN_VERSION_RE.match(line.strip())
            if found:
                version = found[1]


def _yarn_specs(header: str, label: str, line: int) -> list[str]:
    """The specifiers of a v1 header: `"@a/b@^1", "@a/b@^1.1"` or `c@^2, c@^2.1`."""
    specs: list[str] = []
    rest = header.strip()
    while True:
        found = _SPEC_RE.match(rest)
        if found is None:
            raise LockfileError(label, f"cannot read entry header {header!r}", line)
        specs.append(found[1] if found[1] is not None else found[2].strip())
        rest = rest[found.end():].lstrip()
        if not rest:
            return specs
        if not rest.startswith(","):
            raise LockfileError(label, f"cannot read entry header {header!r}", line)
        rest = rest[1:].lstrip()


def parse_pnpm_lock(text: str, label: str) -> dict[str, str]:
    """Parse pnpm-lock.yaml (lockfile v5, v6 or v9)."""
    doc = load_yaml(text, label)
    found = _DIGITS_RE.match(str(doc.get("lockfileVersion", "")))
    if found is None:
        raise LockfileError(label, "no lockfileVersion; is this a pnpm lockfile?")
    major = int(found[0])
    return keyed(_pnpm_package(str(key), entry, major, label)
                 for key, entry in table(doc, "packages", label).items())


def _pnpm_package(key: str, entry: Any, major: int, label: str) -> tuple[str, str]:
    path = key.removeprefix("/")
    if major < 6:  # /name/1.0.0_peer@1.0.0
        name, _, version = path.rpartition("/")
        version = version.split("_")[0]
    else:  # /name@1.0.0(peer@1.0.0), or name@1.0.0 in v9
        path = path.split("(")[0]
        at = path.find("@", 1)
        name, version = (path[:at], path[at + 1:]) if at > 0 else ("", "")
    where = f"packages[{key!r}]"
    if isinstance(entry, dict):  # non-registry packages carry their own name and version
        name = optional_text(entry, "name", label, where) or name
        version = optional_text(entry, "version", label, where) or version
    elif entry is not None:
        raise LockfileError(label, f"{where} should be a table, found {type(entry).__name__}")
    if not name or not version:
        raise LockfileError(label, f"cannot tell the package name and version of packages[{key!r}]")
    return name, version
