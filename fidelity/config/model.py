"""The validated configuration: what the user wrote, as frozen dataclasses."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fidelity.model import FidelityError, Severity, Tolerance
from fidelity.model.finding_paths import matches


class ConfigError(FidelityError):
    """The configuration is unusable; the message names the file and the key."""

    def __init__(self, file: Path | str | None, key: str | None, problem: str) -> None:
        self.file, self.key, self.problem = file, key, problem
        where = ": ".join(str(p) for p in (file, key) if p)
        super().__init__(f"{where}: {problem}" if where else problem)


@dataclass(frozen=True)
class ProbeConfig:
    """One `[probes.NAME]` table, before per-environment resolution."""

    name: str
    """Probe name: the first segment of its finding paths."""
    type: str
    """Registered probe type."""
    options: Mapping[str, Any]
    """Keys shared by every environment."""
    overrides: Mapping[str, Mapping[str, Any]]
    """Per-environment sub-tables."""


@dataclass(frozen=True)
class History:
    """The `[history]` table."""

    dir: Path
    """Folder of dated runs and index.html."""
    keep: int | None
    """Number of runs to keep; None keeps all."""


@dataclass(frozen=True)
class Notify:
    """The `[notify]` table; the webhook is interpolated only when a message is sent."""

    webhook: str
    """Webhook URL, possibly holding `${VAR}`."""
    when: str
    """always, on_change or on_fail."""
    report_url: str | None
    """Link to the report, if any."""
    timeout: float
    """Seconds to wait for the webhook."""


@dataclass(frozen=True)
class Config:
    """A validated configuration."""

    file: Path | None
    """The file it came from, or None for defaults."""
    base_dir: Path
    """Directory relative paths are resolved against."""
    reference: str | None
    """Reference environment name."""
    candidates: tuple[str, ...]
    """Candidate environment names."""
    environments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Declared environments and their free-form metadata."""
    fail_on: Severity | None = Severity.HIGH
    """Lowest failing severity; None means never."""
    max_score: int | None = None
    """Score above which a comparison fails."""
    probes: tuple[ProbeConfig, ...] = ()
    """Configured probes, in file order."""
    rules: tuple[Rule, ...] = ()
    """Rules, in file order."""
    rewrites: tuple[Rewrite, ...] = ()
    """Rewrites, in file order."""
    baseline: Path | None = None
    """Baseline file from `[audit] baseline`."""
    history: History | None = None
    """The `[history]` table, if any."""
    notify: Notify | None = None
    """The `[notify]` table, if any."""


class RuleAction(str, enum.Enum):
    """What a rule does to the findings it matches."""

    IGNORE = "ignore"
    EXPECT = "expect"
    SEVERITY = "severity"
    TOLERANCE = "tolerance"


@dataclass(frozen=True)
class Rule:
    """A `[[rules]]` entry."""

    path: str
    """Glob over finding paths."""
    action: RuleAction
    """ignore, expect or severity."""
    reason: str | None = None
    """Why; shown in reports."""
    expires: dt.date | None = None
    """Once this date has passed, the rule stops applying."""
    severity: Severity | None = None
    """New severity, with action = severity."""
    environment: str | None = None
    """Only for this candidate environment."""
    change: str | None = None
    """Only for this change kind."""
    tolerance: Tolerance | None = None
    """Distance thresholds, with action = tolerance."""

    def expired(self, today: dt.date) -> bool:
        """True once the expiry date has passed (the rule still applies on that date)."""
        return self.expires is not None and today > self.expires

    def matches(self, path: str, change: str, candidate: str) -> bool:
        """True when the rule selects this finding."""
        return (
            (self.environment is None or self.environment == candidate)
            and (self.change is None or self.change == change)
            and matches(self.path, path)
        )


@dataclass(frozen=True)
class Rewrite:
    """A `[[rewrites]]` entry: `candidate` in candidate values stands for `reference`."""

    reference: str
    """Substring as it appears in the reference."""
    candidate: str
    """Substring as it appears in the candidate."""
    path: str | None = None
    """Only for values whose finding path matches this glob."""
    environment: str | None = None
    """Only for this candidate environment."""
