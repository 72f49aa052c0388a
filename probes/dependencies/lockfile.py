"""What every lockfile parser shares: its error, document loaders, masking and keying.

Each parser is ``parse_<format>(text, label) -> dict[str, str]``: package key to
version string. `label` names the file in messages; every failure is a
`LockfileError` whose one-line message names the file and, where known, the line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from fidelity.probe import mask_text, toml

_TOML_WHERE_RE = re.compile(r"\(at line (\d+), (column \d+)\)")


class LockfileError(Exception):
    """A lockfile cannot be parsed; the message names the file and line where known."""

    def __init__(self, label: str, message: str, line: int | None = None) -> None:
        where = f"{label}, line {line}" if line else label
        first = message.strip().splitlines()[0] if message.strip() else "cannot parse"
        super().__init__(f"{where}: {mask_text(first)}")
        self.line = line


def load_json(text: str, label: str) -> dict[str, Any]:
    """Decode a JSON object."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockfileError(label, f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except (ValueError, RecursionError) as exc:  # over-long integers, deep nesting
        raise LockfileError(label, f"invalid JSON: {exc}") from None
    return _mapping(doc, label, "JSON")


def load_toml(text: str, label: str) -> dict[str, Any]:
    """Decode a TOML document."""
    try:
        doc: dict[str, Any] = toml.loads(text)
    except toml.TOMLDecodeError as exc:
        found = _TOML_WHERE_RE.search(str(exc))
        message = _TOML_WHERE_RE.sub(r"(\2)", str(exc))
        raise LockfileError(label, f"invalid TOML: {message}", int(found[1]) if found else None) from None
    except (ValueError, RecursionError) as exc:
        raise LockfileError(label, f"invalid TOML: {exc}") from None
    return doc


def load_yaml(text: str, label: str) -> dict[str, Any]:
    """Decode a YAML mapping."""
    import yaml  # only pnpm and yarn Berry lockfiles need it; keeps `fidelity probes` fast

    try:
        doc = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
        raise LockfileError(label, f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise LockfileError(label, f"invalid YAML: {exc}") from None
    except (ValueError, RecursionError) as exc:  # a bad date or !!int, deep nesting
        raise LockfileError(label, f"invalid YAML: {exc}") from None
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
    """A required string field of a lockfile entry; an entry that is not a table, or a field
    that is not a string (a number such as `1.10` would read as 1.1), is an error."""
    if not isinstance(entry, dict):
        raise LockfileError(label, f"{where} should be a table, found {type(entry).__name__}")
    value = entry.get(key)
    if value is None or value == "":
        raise LockfileError(label, f"{where} has no {key}")
    if not isinstance(value, str):
        raise LockfileError(label, f"{where}: `{key}` should be a string, found {type(value).__name__}")
    return value


def optional_text(entry: dict[str, Any], key: str, label: str, where: str) -> str | None:
    """An optional string field of a lockfile entry: absent is None, any other type an error."""
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    raise LockfileError(label, f"{where}: `{key}` should be a string, found {type(value).__name__}")


def keyed(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map name to version; a name resolved to several versions is keyed `name@version` instead."""
    versions: dict[str, set[str]] = {}
    for name, version in pairs:
        versions.setdefault(name, set()).add(mask_text(version))
    result: dict[str, str] = {}
    for name in sorted(versions):
        found = versions[name]
        if len(found) == 1:
            result[name] = next(iter(found))
        else:
            result.update((f"{name}@{version}", version) for version in sorted(found))
    return result
