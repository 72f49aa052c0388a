"""The publish stage's base error."""

from __future__ import annotations

from fidelity.model import FidelityError


class PublishError(FidelityError):
    """A report cannot be written where it was asked to go; the message names the file or folder."""
