"""Checks for the postgres probe's options; the `data` option has its own, in `data/options.py`."""

from __future__ import annotations

from typing import Any

from fidelity.probe import Kind, Option, OptionError, migrations


def check_positive(value: Any) -> None:
    """A timeout is above 0."""
    if value <= 0:
        raise OptionError(f"expected a positive number, got {value}")


check_migrations = migrations.check_option


def globs(name: str, doc: str, default: list[str]) -> Option:
    """An option holding a list of name globs."""
    return Option(name, Kind.STRING_LIST, doc, default=default)
