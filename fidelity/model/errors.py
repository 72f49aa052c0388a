"""The root of fidelity's errors, and the one-line form every error message takes."""

from __future__ import annotations


class FidelityError(Exception):
    """Base of every expected failure; each pipeline stage raises its own subclass."""


class UsageError(FidelityError):
    """The command line asks for something impossible (exit 2); nothing was probed."""


def one_line(text: object) -> str:
    """`text` (or an exception's message) folded onto one line, for errors and gap messages."""
    return " ".join(str(text).split())
