"""Baselines: accept the drift that exists today, so the gate fails only on new drift.

A baseline file is reviewable JSON, one entry per accepted finding in a stable
order, each with a reason. A finding matches an entry when its environment, path,
change kind and both values are the same; when a value changes, it is new again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fidelity.model import AuditReport, Change, Finding, Status
from fidelity.policy.errors import PolicyError
from fidelity.redact import without_fingerprints

FORMAT = "fidelity-baseline"
VERSION = 1
DEFAULT_REASON = "drift accepted when the baseline was recorded; review and explain"


class BaselineError(PolicyError):
    """A baseline file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class BaselineEntry:
    """One accepted finding."""

    environment: str
    """Candidate environment the finding was in."""
    path: str
    """Finding path."""
    change: str
    """missing, extra or changed."""
    severity: str
    """Severity when it was accepted (for the reviewer; not matched)."""
    reference: Any
    """Reference value when it was accepted."""
    candidate: Any
    """Candidate value when it was accepted."""
    reason: str
    """Why this drift is accepted."""

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies the finding, values aside."""
        return (self.environment, self.path, self.change)


def _canonical(value: Any, mask_secrets: bool) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return without_fingerprints(text) if mask_secrets else text


@dataclass(frozen=True)
class Baseline:
    """Accepted findings, looked up by environment, path and change."""

    entries: Mapping[tuple[str, str, str], BaselineEntry]
    """Entries by key."""
    secret_key_id: str = ""
    """Key id of the secret fingerprints in the entries' values."""
    reference: str = ""
    """The reference environment the findings were recorded against ("" in a file that does not say)."""

    def match(self, environment: str, finding: Finding, key_id: str) -> BaselineEntry | None:
        """The entry that accepts this finding with these very values, if any.

        Secret fingerprints made under another key cannot be compared; they are then
        taken as equal, and only the rest of the values must match.
        """
        entry = self.entries.get((environment, finding.path, finding.change.value))
        if entry is None:
            return None
        mask = key_id != self.secret_key_id
        same = (_canonical(entry.reference, mask) == _canonical(finding.reference, mask)
                and _canonical(entry.candidate, mask) == _canonical(finding.candidate, mask))
        return entry if same else None


#: The changes a finding can be (`Change`).
CHANGES = frozenset(change.value for change in Change)


def load(path: Path) -> Baseline:
    """Read a baseline file."""
    try:
        doc = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found; record one with `fidelity baseline -o "
                            f"{path}`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a readable baseline file ({exc})") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a readable baseline file (nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BaselineError(f"{path}: not a fidelity baseline (expected format {FORMAT!r})")
    version = doc.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        raise BaselineError(f"{path}: baseline version {version!r} is not supported "
                            f"(this fidelity reads version {VERSION}); upgrade fidelity")
    for field in ("reference", "secret_key_id", "recorded_at"):
        if doc.get(field) is not None and not isinstance(doc[field], str):
            raise BaselineError(f"{path}: field {field!r} must be a string")
    findings = doc.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: field 'findings' must be a list (an empty list accepts no finding)")
    entries: dict[tuple[str, str, str], BaselineEntry] = {}
    for index, item in enumerate(findings):
        entry = _entry(item)
        if entry is None:
            raise BaselineError(f"{path}: finding #{index + 1} needs environment and path (strings) and "
                                f"change (one of {', '.join(sorted(CHANGES))})")
        entries[entry.key] = entry
    return Baseline(entries, str(doc.get("secret_key_id") or ""), str(doc.get("reference") or ""))


def _entry(item: Any) -> BaselineEntry | None:
    """A finding of a baseline file; None when it is not shaped as one."""
    if not isinstance(item, dict):
        return None
    environment, where, change = item.get("environment"), item.get("path"), item.get("change")
    if not (isinstance(environment, str) and isinstance(where, str) and change in CHANGES):
        return None
    return BaselineEntry(environment=environment, path=where, change=change,
                         severity=str(item.get("severity", "")), reference=item.get("reference"),
                         candidate=item.get("candidate"), reason=str(item.get("reason") or ""))


def entries_for(report: AuditReport, reason: str, previous: Baseline | None = None) -> list[BaselineEntry]:
    """The open (and already baselined) findings of a report as entries, in a stable order.

    Reasons written by hand in `previous` are kept for findings that are still there.
    """
    entries = []
    for comparison in report.comparisons:
        for finding in comparison.findings:
            if finding.status not in (Status.OPEN, Status.BASELINED):
                continue
            kept = previous.match(comparison.candidate, finding, report.secret_key_id) if previous else None
            entries.append(BaselineEntry(
                environment=comparison.candidate, path=finding.path, change=finding.change.value,
                severity=finding.severity.value, reference=finding.reference,
                candidate=finding.candidate, reason=kept.reason if kept else reason,
            ))
    return sorted(entries, key=lambda e: e.key)


def render(entries: Iterable[BaselineEntry], reference: str, secret_key_id: str) -> str:
    """The baseline file's text: indented JSON, one entry per finding, sorted."""
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "reference": reference,
        "secret_key_id": secret_key_id,
        "recorded_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "findings": [
            {"environment": e.environment, "path": e.path, "change": e.change, "severity": e.severity,
             "reference": e.reference, "candidate": e.candidate, "reason": e.reason}
            for e in entries
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n"
