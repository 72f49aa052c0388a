"""The vocabulary shared by every layer: severities, change kinds, findings and reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How much a finding matters, highest first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info."""
        return _SEVERITY_RANK[self]

    @property
    def weight(self) -> int:
        """Contribution of one open finding to the drift score."""
        return SEVERITY_WEIGHTS[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}

#: Drift-score weight of one open finding of each severity (documented in the README and docs/formats.md).
SEVERITY_WEIGHTS = {
    Severity.CRITICAL: 25,
    Severity.HIGH: 10,
    Severity.MEDIUM: 4,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


#: What `fail_on` accepts: a severity, or "never" for a gate that never fails on severity.
FAIL_ON_CHOICES = (*(s.value for s in Severity), "never")


class Change(str, enum.Enum):
    """The kind of a difference between reference and candidate."""

    MISSING = "missing"
    EXTRA = "extra"
    CHANGED = "changed"


class Category(str, enum.Enum):
    """The area of the environment a finding belongs to."""

    CONFIG = "config"
    DEPENDENCY = "dependency"
    SCHEMA = "schema"
    DATA = "data"
    INFRASTRUCTURE = "infrastructure"


class Status(str, enum.Enum):
    """Whether a finding counts towards the gate."""

    OPEN = "open"
    EXPECTED = "expected"
    IGNORED = "ignored"
    BASELINED = "baselined"
    COVERED = "covered"
    """Reported by another finding from the same cause (one finding per cause), e.g. at a parent."""


class Verdict(str, enum.Enum):
    """Outcome of a comparison or of the whole audit."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    """One difference between the reference and a candidate, located by a path."""

    id: str
    """Hash of (candidate, path, change): stable across runs, independent of values."""
    probe: str
    """Name of the probe that collected the compared data."""
    category: Category
    """Area of the environment the finding belongs to."""
    path: str
    """Probe name and escaped segments joined with '/'."""
    change: Change
    """missing, extra or changed."""
    reference: Any
    """The reference value (None when missing from the reference)."""
    candidate: Any
    """The candidate value (None when missing from the candidate)."""
    severity: Severity
    """Severity after rules."""
    status: Status
    """open, expected, ignored, baselined or covered."""
    reason: str | None
    """The reason of the rule that set the status or severity, if any."""
    message: str
    """A one-line human explanation."""
    new: bool | None = None
    """Whether it is new since the previous run in the history (None without history)."""


@dataclass(frozen=True)
class AuditError:
    """A gap in the audit: a probe or part of one that could not be read."""

    environment: str
    """Environment whose snapshot has the gap."""
    probe: str
    """Probe name."""
    object: str | None
    """What could not be read (a file, a table, a kind), or None for the whole probe."""
    message: str
    """What went wrong and what to do."""


@dataclass(frozen=True)
class AuditWarning:
    """Something a probe read but flagged for a look (e.g. a duplicate key); never changes the verdict."""

    environment: str
    """Environment whose snapshot has the warning."""
    probe: str
    """Probe name."""
    object: str
    """What it is about: a file, a table, a kind."""
    message: str
    """What was found and how it was decided; never quotes a value."""


@dataclass(frozen=True)
class Comparison:
    """The result of comparing one candidate with the reference."""

    candidate: str
    """Candidate environment name."""
    verdict: Verdict
    """pass, fail, or error when one of its probes failed."""
    score: int
    """Weighted sum of open findings."""
    fidelity: float
    """Matching leaves / compared leaves, 0..1."""
    compared: int
    """Number of compared leaves."""
    matched: int
    """Number of leaves equal on both sides with no finding (or only a covered one)."""
    findings: tuple[Finding, ...]
    """Every finding, sorted by severity then path."""
    notices: tuple[str, ...] = ()
    """Comparison-wide remarks, e.g. secrets that could not be compared."""
    resolved: tuple[Finding, ...] | None = None
    """Findings of the previous run in the history that are gone now (None without history)."""


@dataclass(frozen=True)
class ExpiredRule:
    """A rule whose `expires` date has passed and that no longer applies."""

    path: str
    """The rule's glob."""
    action: str
    """The rule's action."""
    expires: str
    """ISO date on which it expired."""
    reason: str | None
    """The rule's reason."""


@dataclass(frozen=True)
class AuditReport:
    """Everything a reporter needs to render one audit."""

    reference: str
    """Reference environment name."""
    verdict: Verdict
    """Overall verdict: error wins over fail, fail over pass."""
    comparisons: tuple[Comparison, ...]
    """One per candidate."""
    errors: tuple[AuditError, ...]
    """Gaps that make the audit incomplete."""
    fail_on: Severity | None
    """Lowest severity that fails the gate, or None for never."""
    max_score: int | None
    """Score above which a comparison fails, if set."""
    tool_version: str
    """fidelity's version."""
    generated_at: str
    """ISO-8601 UTC time the report was made."""
    expired_rules: tuple[ExpiredRule, ...] = field(default=())
    """Rules that matched nothing because they expired."""
    secret_key_id: str = ""
    """Key id of the reference snapshot's secret fingerprints."""
    warnings: tuple[AuditWarning, ...] = field(default=())
    """Things the probes read but flagged (duplicate keys, ...); they never change the verdict."""
