"""Declarative option schemas: one source for config validation and `fidelity probes`."""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fidelity.redact import MASK, has_embedded_password, looks_secret_name


class OptionError(ValueError):
    """A value does not fit its option; the message says what was expected."""


NUMBER_LIMIT = 1e15
"""No number in a config is larger than this (or NaN or infinite), even without its own maximum."""


class Kind(str, enum.Enum):
    """The shape of an option's value."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    STRING_LIST = "list of strings"
    TABLE = "table"
    PATHS = "list of paths or tables"
    ANY = "any"

    def accepts(self, value: object) -> bool:
        """True when `value` has this shape."""
        if self is Kind.STRING:
            return isinstance(value, str)
        if self is Kind.INTEGER:
            return isinstance(value, int) and not isinstance(value, bool)
        if self is Kind.NUMBER:
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if self is Kind.BOOLEAN:
            return isinstance(value, bool)
        if self is Kind.DATE:
            return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
        if self is Kind.STRING_LIST:
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        if self is Kind.TABLE:
            return isinstance(value, dict)
        if self is Kind.PATHS:
            return isinstance(value, list)
        return True


@dataclass(frozen=True)
class Option:
    """One configurable key of a probe or of a config table."""

    name: str
    """Key name in the config file."""
    kind: Kind
    """Expected shape of the value."""
    doc: str
    """One-line description shown by `fidelity probes`."""
    default: Any = None
    """Value used when the key is absent."""
    required: bool = False
    """Whether the key must be present (after per-environment overrides)."""
    choices: tuple[str, ...] = ()
    """Allowed values, for strings."""
    path: bool = False
    """Strings are file paths, resolved against the config file's directory."""
    check: Callable[[Any], None] | None = None
    """Extra validation; raises OptionError with what was expected."""
    minimum: float | None = None
    """Smallest allowed value, for integers and numbers."""
    above: float | None = None
    """Values must be greater than this (exclusive lower bound), for integers and numbers."""
    maximum: float = NUMBER_LIMIT
    """Largest allowed value, for integers and numbers; every number is also finite."""

    def validate(self, value: Any) -> None:
        """Raise OptionError when `value` does not fit this option."""
        if not self.kind.accepts(value):
            raise OptionError(f"expected {self.kind.value}, got {describe(value, self.name)}")
        if self.kind in (Kind.INTEGER, Kind.NUMBER):
            self._check_range(value)
        if self.choices and value not in self.choices:
            raise OptionError(
                f"expected one of {', '.join(self.choices)}, got {describe(value, self.name)}"
            )
        if self.check is not None:
            self.check(value)

    def range_text(self) -> str:
        """The allowed range, e.g. `> 0 and <= 86400` (empty when only the general limit applies)."""
        low = f"> {self.above:g}" if self.above is not None else \
            f">= {self.minimum:g}" if self.minimum is not None else ""
        high = f"<= {self.maximum:g}" if self.maximum < NUMBER_LIMIT else ""
        if not low and not high:
            return ""
        return " and ".join(t for t in (low, high) if t)

    def _check_range(self, value: float) -> None:
        what = "an integer" if self.kind is Kind.INTEGER else "a finite number"
        bounds = self.range_text() or f"between {-NUMBER_LIMIT:g} and {NUMBER_LIMIT:g}"
        if (not math.isfinite(value) or value > self.maximum or abs(value) > NUMBER_LIMIT
                or (self.minimum is not None and value < self.minimum)
                or (self.above is not None and value <= self.above)):
            raise OptionError(f"expected {what} {bounds}, got {describe(value, self.name)}")


def type_name(value: object) -> str:
    """The TOML name of a value's type."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, (dt.date, dt.time)):
        return "date/time"
    return type(value).__name__


def describe(value: object, key: str = "") -> str:
    """Show a value in an error message without ever echoing a secret."""
    if isinstance(value, str):
        if looks_secret_name(key) or has_embedded_password(value):
            return f"a string ({MASK})"
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"{type_name(value)} {shown!r}"
    if isinstance(value, (list, dict)):
        return f"{type_name(value)} of {len(value)} item(s)"
    return f"{type_name(value)} {value!r}"


def check_table(
    table: Mapping[str, Any], schema: Mapping[str, Option], where: str
) -> list[tuple[str, str]]:
    """Validate a table against a schema; returns (key, problem) pairs, in key order."""
    problems: list[tuple[str, str]] = []
    for key, value in table.items():
        option = schema.get(key)
        if option is None:
            known = ", ".join(sorted(schema)) or "none"
            problems.append((key, f"unknown key in {where} (known keys: {known})"))
            continue
        try:
            option.validate(value)
        except OptionError as exc:
            problems.append((key, str(exc)))
    return problems
