"""The policy stage's base error."""

from __future__ import annotations

from fidelity.model import FidelityError


class PolicyError(FidelityError):
    """Rules or a baseline cannot be applied; the message names the file or rule."""
