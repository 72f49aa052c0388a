"""Which server settings a database probe compares, and how much a difference in each one matters.

Each probe keeps one documented list (postgres settings, MySQL variables): names never collected
(host-specific, or about the probe's own session), names whose change is high (they change what
statements do), names whose change is low (hardware sizes, caching, logging); the rest is medium.
Names are globs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from fidelity.globs import matches_any
from fidelity.model import Severity


@dataclass(frozen=True)
class SettingLists:
    """A probe's documented lists of settings."""

    noise: tuple[str, ...]
    """Never collected."""
    high: tuple[str, ...]
    """A change is high."""
    low: tuple[str, ...]
    """A change is low."""

    def is_noise(self, name: str, extra: Iterable[str] = ()) -> bool:
        """True for a setting that is never collected (the list plus a user's `exclude_*` globs)."""
        return matches_any(name, self.noise) or matches_any(name, extra)

    def severity(self, name: str) -> Severity:
        """Default severity of a changed setting."""
        if matches_any(name, self.high):
            return Severity.HIGH
        return Severity.LOW if matches_any(name, self.low) else Severity.MEDIUM
