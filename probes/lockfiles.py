"""What every lockfile parser shares: its error, document loaders, masking and keying.

Each parser is ``parse_<format>(text, label) -> dict[str, str]``: package key to
version string. `label` names the file in messages; every failure is a
`LockfileError` whose one-line message names the file and, where known, the line.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any

import yaml

from fidelity.secrets import MASK, mask_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# A bare token as user info (https://ghp_xxx@github.com/...) is a credential too.
_URL_TOKEN_RE = re.compile(r"(?P<prefix>\bhttps?://)[^\s/@:]+@")
_TOML_LINE_RE = re.compile(r"at line (\d+)")


class LockfileError(Exception):
    """A lockfile cannot be parsed; the message names the file and line where known."""

    def __init__(self, label: str, message: str, line: int | None = None) -> None:
        where = f"{label}, line {line}" if line else label
        first = message.strip().splitlines()[0] if message.strip() else "cannot parse"
        super().__init__(f"{where}: {mask_url(first)}")
        self.line = line


def mask_url(text: str) -> str:
    """Mask credentials in URLs: passwords, and tokens given as the user name of http(s) URLs."""
    return _URL_TOKEN_RE.sub(lambda m: m["prefix"] + MASK + "@", mask_text(text))


def load_json(text: str, label: str) -> dict[str, Any]:
    """Decode a JSON object."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(label, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise LockfileError(label, "invalid JSON: nested too deeply") from None
    return _mapping(doc, label, "JSON")


def load_toml(text: str, label: str) -> dict[str, Any]:
    """Decode a TOML document."""
    try:
        doc: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE_RE.search(str(exc))
        raise LockfileError(label, f"invalid TOML: {exc}", int(found[1]) if found else None) from None
    return doc


def load_yaml(text: str, label: str) -> dict[str, Any]:
    """Decode a YAML mapping."""
    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise LockfileError(label, f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise LockfileError(label, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise LockfileError(label, "invalid YAML: nested too deeply") from None
    return _mapping(doc, label, "YAML")


def _mapping(doc: Any, label: str, language: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LockfileError(label, f"expected a {language} object at the top, found {type(doc).__name__}")
    return doc


def table(doc: dict[str, Any], key: str, label: str) -> dict[str, Any]:
    """`doc[key]` as a mapping (empty when absent)."""
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LockfileError(label, f"`{key}` should be a mapping, found {type(value).__name__}")
    return value


def required_text(entry: Any, key: str, label: str, where: str) -> str:
    """A required string field of a lockfile entry."""
    value = entry.get(key) if isinstance(entry, dict) else None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value == "":
        raise LockfileError(label, f"{where} has no {key}")
    return str(value)


def keyed(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map name to version; a name resolved to several versions is keyed `name@version` instead."""
    versions: dict[str, set[str]] = {}
    for name, version in pairs:
        versions.setdefault(name, set()).add(mask_url(version))
    result: dict[str, str] = {}
    for name in sorted(versions):
        found = versions[name]
        if len(found) == 1:
            result[name] = next(iter(found))
        else:
            result.update((f"{name}@{version}", version) for version in sorted(found))
    return result
