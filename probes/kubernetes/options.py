"""Checks for the kubernetes probe's options, run when the configuration is loaded."""

from __future__ import annotations

import re
from typing import Any

from fidelity.probe import OptionError
from probes.kubernetes.selector import SelectorError, parse_selector


def check_rename(value: Any) -> None:
    """Each `rename` entry is a valid regular expression with a replacement string."""
    for pattern, replacement in value.items():
        if not isinstance(replacement, str):
            raise OptionError(f"rename {pattern!r}: expected a replacement string")
        try:
            re.compile(pattern).sub(replacement, "")
        except re.error as exc:
            raise OptionError(f"rename {pattern!r}: not a valid regular expression or replacement: {exc}") \
                from None


def check_selector(value: Any) -> None:
    """`label_selector` parses as kubectl -l would take it."""
    try:
        parse_selector(value)
    except SelectorError as exc:
        raise OptionError(str(exc)) from None


def check_positive(value: Any) -> None:
    """A timeout or page size is above 0."""
    if value <= 0:
        raise OptionError(f"expected a number above 0, got {value}")
