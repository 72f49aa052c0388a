"""Checks for the postgres probe's options; the `data` option has its own, in `data/options.py`."""

from __future__ import annotations

from typing import Any

from fidelity.probe import Kind, Option, OptionError
from fidelity.probe.migrations import TOOL_NAMES


def check_positive(value: Any) -> None:
    """A timeout is above 0."""
    if value <= 0:
        raise OptionError(f"expected a positive number, got {value}")


def check_migrations(value: Any) -> None:
    """`migrations` is "auto", "off" or a list of known tool names."""
    if value in ("auto", "off"):
        return
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OptionError(f'expected "auto", "off" or a list of tool names, got {value!r}')
    unknown = sorted(set(value) - set(TOOL_NAMES))
    if unknown:
        raise OptionError(f"unknown migration tool(s) {', '.join(unknown)} (known: {', '.join(TOOL_NAMES)})")


def globs(name: str, doc: str, default: list[str]) -> Option:
    """An option holding a list of name globs."""
    return Option(name, Kind.STRING_LIST, doc, default=default)
