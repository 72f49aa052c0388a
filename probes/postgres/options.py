"""Checks for the postgres probe's options; the `data` option has its own, in `data/options.py`."""

from __future__ import annotations

import re
from typing import Any

from fidelity.probe import Kind, Option, OptionError, mask_text, migrations


def check_positive(value: Any) -> None:
    """A timeout is above 0."""
    if value <= 0:
        raise OptionError(f"expected a positive number, got {value}")


check_migrations = migrations.check_option
_QUOTED = re.compile(r'"([^"]*)"')
_WORD = re.compile(r"\w")


def check_dsn(value: Any) -> None:
    """A literal `dsn` that libpq cannot parse is a config error (exit 2), as for the other database
    probes; one naming a variable or `{env}` is checked when the probe runs (exit 3). The message
    never echoes the DSN."""
    if "$" in value or "{env}" in value:
        return
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        conninfo_to_dict(value)
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        # libpq quotes the piece it could not parse: shown only when it is punctuation or a parameter name
        names = {option.keyword.decode() for option in psycopg.pq.Conninfo.get_defaults()}
        reason = _QUOTED.sub(lambda m: m[0] if m[1] in names or not _WORD.search(m[1]) else '"***"',
                             lines[0] if lines else "")
        reason = mask_text(reason or type(exc).__name__, [value])
        raise OptionError(f"invalid dsn: {reason}") from None


def globs(name: str, doc: str, default: list[str]) -> Option:
    """An option holding a list of name globs."""
    return Option(name, Kind.STRING_LIST, doc, default=default)
