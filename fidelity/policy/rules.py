"""Rules (ignore / expect / severity / tolerance) and rewrites, applied to findings and candidate values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.config import Rewrite, Rule, RuleAction
from fidelity.model import ExpiredRule, Severity, Status, Tolerance
from fidelity.model import finding_paths as paths


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
