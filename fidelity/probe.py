"""The probe interface: what every probe type, built-in or third-party, implements."""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from fidelity.model import Category, Change, Severity
from fidelity.options import Option
from fidelity.secrets import SecretKeeper


class ProbeError(Exception):
    """A probe could not collect its data. The message names what failed and what to do."""


@dataclass(frozen=True)
class Gap:
    """Part of what a probe was asked to read that it could not read."""

    object: str
    """What could not be read: a file, a table, a kind."""
    message: str
    """Why, and what to do about it."""
    segments: tuple[str, ...] = ()
    """The subtree below the probe that is unknown; differences inside it are not reported."""


@dataclass(frozen=True)
class ProbeResult:
    """What one probe collected from one environment."""

    data: dict[str, Any]
    """JSON-native tree; its paths become finding paths below the probe name."""
    gaps: tuple[Gap, ...] = ()
    """Parts that could not be read; any gap makes the audit incomplete (exit 3)."""


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
    """A probe's verdict on one change, before rules."""

    severity: Severity | None
    """Default severity; None when a measured difference is within tolerance (not a finding)."""
    category: Category
    """Category of the finding."""
    message: str
    """One-line explanation."""


@dataclass(frozen=True)
class ProbeContext:
    """What a probe gets from the run besides its options."""

    environment: str
    """Name of the environment being probed."""
    secrets: SecretKeeper
    """Fingerprints secret values; the only way a secret may enter a snapshot."""
    base_dir: Path = field(default_factory=Path.cwd)
    """Directory of the config file; relative paths are already resolved against it."""


class Probe(abc.ABC):
    """Collects one part of an environment's snapshot.

    Subclasses declare their type name, category, option schema, default severities
    and list hints as class attributes, and implement `collect`. They register under
    the entry-point group ``fidelity.probes``.
    """

    type_name: ClassVar[str]
    """Name used as `type = ...` in the config."""
    category: ClassVar[Category] = Category.CONFIG
    """Default category of the probe's findings."""
    description: ClassVar[str]
    """One line for `fidelity probes`."""
    options: ClassVar[tuple[Option, ...]] = ()
    """Option schema, used by config validation and by `fidelity probes`."""
    severities: ClassVar[Mapping[Change, Severity]] = {
        Change.MISSING: Severity.HIGH,
        Change.EXTRA: Severity.MEDIUM,
        Change.CHANGED: Severity.MEDIUM,
    }
    """Default severity per change kind, when `assess` has nothing more specific."""
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = ()
    """Documented defaults for specific findings, as (what, severity) pairs."""
    list_hints: ClassVar[tuple[ListHint, ...]] = ()
    """Lists to compare as sets or to match by a key field."""

    def __init__(self, name: str, options: Mapping[str, Any], context: ProbeContext) -> None:
        self.name = name
        self.opts = dict(options)
        self.context = context

    @abc.abstractmethod
    def collect(self) -> ProbeResult:
        """Read the environment. Raise ProbeError when nothing useful could be read."""

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge one change; `reference` and `candidate` are the probe's whole data trees."""
        return Assessment(cls.severities[change.change], cls.category, describe_change(change))


def describe_change(change: DiffChange) -> str:
    """A generic one-line message for a change."""
    what = change.segments[-1] if change.segments else "value"
    if change.change is Change.MISSING:
        return f"{what} is in the reference but missing from the candidate"
    if change.change is Change.EXTRA:
        return f"{what} is only in the candidate"
    if is_secret(change.reference) or is_secret(change.candidate):
        return f"{what}: secret value differs (compared by keyed fingerprint)"
    from fidelity.diff.detail import container_detail

    detail = container_detail(change.reference, change.candidate)
    return f"{what} differs" + (f": {detail}" if detail else "")


def is_secret(value: object) -> bool:
    """True for a value that carries a secret fingerprint."""
    return isinstance(value, str) and "[secret:" in value
