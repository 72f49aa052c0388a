"""Raw changes from the diff engine and how a probe judges them: the types both sides share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fidelity.model.findings import Category, Change, Severity


@dataclass(frozen=True)
class ListHint:
    """How the diff engine matches the items of a list found at `pattern`."""

    pattern: str
    """Rule glob over the segments below the probe name, e.g. '**/containers'."""
    key: str | None = None
    """Match items by this field; None compares the list as a set."""


@dataclass(frozen=True)
class Tolerance:
    """Thresholds of a measured distance: at or above `low` is low, and so on up to `high`."""

    low: float | None = None
    """Distance from which a difference is a low finding."""
    medium: float | None = None
    """Distance from which it is medium."""
    high: float | None = None
    """Distance from which it is high."""

    def severity(self, distance: float) -> Severity | None:
        """The severity of a distance, or None when it is within tolerance (not drift)."""
        for level, threshold in ((Severity.HIGH, self.high), (Severity.MEDIUM, self.medium),
                                 (Severity.LOW, self.low)):
            if threshold is not None and distance >= threshold:
                return level
        return None

    def over(self, defaults: Tolerance) -> Tolerance:
        """These thresholds where set, `defaults` elsewhere."""
        return Tolerance(*(mine if mine is not None else default
                           for mine, default in zip((self.low, self.medium, self.high),
                                                    (defaults.low, defaults.medium, defaults.high),
                                                    strict=True)))


@dataclass(frozen=True)
class DiffChange:
    """One raw difference found by the diff engine, before rules."""

    segments: tuple[str, ...]
    """Raw (unescaped) path segments below the probe name."""
    change: Change
    """missing, extra or changed."""
    reference: Any
    """Reference value, or None when missing there."""
    candidate: Any
    """Candidate value, or None when missing there."""
    rewritten: Any = None
    """Candidate value after rewrites, as it was compared (None when no rewrite changed it)."""
    tolerance: Tolerance | None = None
    """Thresholds a `tolerance` rule set for this path, for probes that measure distances."""


@dataclass(frozen=True)
class Assessment:
    """A probe's judgement of one change, before rules: default severity, category and message."""

    severity: Severity | None
    """Default severity; None when a measured difference is within tolerance (not a finding)."""
    category: Category
    """Category of the finding."""
    message: str
    """One-line explanation."""
    covered_by: tuple[tuple[str, ...], ...] = ()
    """Segments of changes that report this one's cause (the same change at a partition's parent):
    when one of them is a finding of the same diff (itself in the gate, or covered in turn by one
    that is), this change is listed with status `covered` and `covered_note` as its message, out of
    the gate and the score; otherwise it is an ordinary finding with `message`."""
    covered_note: str = ""
    """The message of the change when it is covered, naming where its cause is reported."""
