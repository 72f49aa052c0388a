"""Rules (ignore / expect / severity) and rewrites, applied to findings and candidate values."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity import paths
from fidelity.model import ExpiredRule, Severity, Status
from fidelity.probe import Tolerance


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
            and paths.matches(self.path, path)
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


@dataclass(frozen=True)
class Decision:
    """What the rules decided for one finding."""

    severity: Severity
    """Severity after `severity` rules."""
    status: Status
    """open, expected or ignored."""
    reason: str | None
    """Reason of the deciding rule."""


class RuleSet:
    """Rules for one run; remembers which expired rules would have matched."""

    def __init__(self, rules: Sequence[Rule], today: dt.date | None = None) -> None:
        today = today or dt.datetime.now(dt.timezone.utc).date()
        self.active = [r for r in rules if not r.expired(today)]
        self.expired = [r for r in rules if r.expired(today)]

    def decide(self, path: str, change: str, candidate: str, severity: Severity) -> Decision:
        """Apply severity rules (the last match wins), then the first ignore/expect rule."""
        reason: str | None = None
        for rule in self.active:
            if rule.action is RuleAction.SEVERITY and rule.matches(path, change, candidate):
                assert rule.severity is not None
                severity, reason = rule.severity, rule.reason
        for rule in self.active:
            gating = rule.action in (RuleAction.IGNORE, RuleAction.EXPECT)
            if gating and rule.matches(path, change, candidate):
                status = Status.IGNORED if rule.action is RuleAction.IGNORE else Status.EXPECTED
                return Decision(severity, status, rule.reason)
        return Decision(severity, Status.OPEN, reason)

    def tolerance(self, path: str, change: str, candidate: str) -> Tolerance | None:
        """Thresholds of the last matching tolerance rule, if any."""
        found = None
        for rule in self.active:
            if rule.action is RuleAction.TOLERANCE and rule.matches(path, change, candidate):
                found = rule.tolerance
        return found

    def expired_matching(self, path: str, change: str, candidate: str) -> Rule | None:
        """The first expired rule that would have matched, for the finding's message."""
        return next((r for r in self.expired if r.matches(path, change, candidate)), None)

    def expired_report(self) -> tuple[ExpiredRule, ...]:
        """Expired rules, as the report names them."""
        return tuple(
            ExpiredRule(r.path, r.action.value, r.expires.isoformat() if r.expires else "", r.reason)
            for r in self.expired
        )


def make_rewriter(
    rewrites: Sequence[Rewrite], probe: str, candidate: str
) -> Callable[[tuple[str, ...], Any], Any] | None:
    """A function that rewrites one candidate value at a path, or None when nothing applies."""
    relevant = [r for r in rewrites if r.environment in (None, candidate)]
    if not relevant:
        return None
    prefix = paths.escape(probe)

    def rewrite(segments: tuple[str, ...], value: Any) -> Any:
        if isinstance(value, list):
            return [rewrite(segments, v) for v in value]
        if not isinstance(value, str):
            return value
        full_path: str | None = None
        for r in relevant:
            if r.candidate not in value:
                continue
            if r.path is not None:
                full_path = full_path or "/".join((prefix, *map(paths.escape, segments)))
                if not paths.matches(r.path, full_path):
                    continue
            value = value.replace(r.candidate, r.reference)
        return value

    return rewrite
