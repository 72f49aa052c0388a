"""Compare two snapshots probe by probe: raw changes, each judged by its probe, and leaf counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from fidelity.diff.tree import Rewriter, count_leaves, diff_trees
from fidelity.diff.unparsed import diff_unparsed
from fidelity.model import Assessment, AuditError, AuditWarning, DiffChange, Tolerance
from fidelity.model.finding_paths import escape
from fidelity.probe import Probe, registry
from fidelity.snapshot import Snapshot, UnparsedData
from fidelity.snapshot.fileformat import parsed

#: (probe name) -> the rewriter for that probe's candidate values, or None.
RewriterFor = Callable[[str], Rewriter | None]
#: (finding path, change kind) -> thresholds a tolerance rule sets there, or None.
ToleranceFor = Callable[[str, str], Tolerance | None]


@dataclass(frozen=True)
class AssessedChange:
    """One raw change and its probe's judgement of it."""

    probe: str
    """Probe name."""
    path: str
    """Escaped finding path, starting with the probe name."""
    change: DiffChange
    """The raw change (with the tolerance a rule set for it, if any)."""
    assessment: Assessment
    """The probe's default severity, category and message; its severity is never None."""


@dataclass(frozen=True)
class SnapshotDiff:
    """Everything that differs between a candidate snapshot and the reference, before rules."""

    candidate: str
    """Candidate environment name."""
    changes: tuple[AssessedChange, ...]
    """Changes that are findings, in probe and tree order."""
    compared: int
    """Leaves present on either side."""
    matched: int
    """Leaves equal on both sides, or different only within tolerance."""
    uncomparable_secrets: int
    """Secret leaves that could not be compared (snapshots taken under different keys)."""
    errors: tuple[AuditError, ...]
    """Gaps of the candidate snapshot and probes that cannot be compared."""


def snapshot_errors(snapshot: Snapshot) -> list[AuditError]:
    """The failed probes and unread parts recorded in a snapshot."""
    errors: list[AuditError] = []
    for name, probe in snapshot.probes.items():
        if probe.status == "error":
            errors.append(AuditError(snapshot.environment, name, None, probe.error or "probe failed"))
        errors.extend(AuditError(snapshot.environment, name, g.object, g.message) for g in probe.gaps)
    return errors


def snapshot_warnings(snapshot: Snapshot) -> list[AuditWarning]:
    """The warnings the probes recorded in a snapshot."""
    return [AuditWarning(snapshot.environment, name, w.object, w.message)
            for name, probe in snapshot.probes.items() for w in probe.warnings]


def compare_snapshots(reference: Snapshot, candidate: Snapshot, rewriter_for: RewriterFor,
                      tolerance_for: ToleranceFor) -> SnapshotDiff:
    """Diff each probe's data, and let the probe type judge each change."""
    errors = snapshot_errors(candidate)
    changes: list[AssessedChange] = []
    compared = matched = uncomparable = 0
    secrets_comparable = reference.secret_key_id == candidate.secret_key_id
    for name, ref_probe in reference.probes.items():
        cand_probe = candidate.probes.get(name)
        if cand_probe is None:
            errors.append(AuditError(candidate.environment, name, None,
                                     f"probe {name!r} is not in the candidate snapshot; take both "
                                     "snapshots with the same config"))
            continue
        if cand_probe.type != ref_probe.type:
            errors.append(AuditError(candidate.environment, name, None,
                                     f"probe {name!r} is of type {cand_probe.type!r} here but "
                                     f"{ref_probe.type!r} in the reference"))
            continue
        if ref_probe.status != "ok" or cand_probe.status != "ok":
            continue  # the failure itself is reported as an error
        cls: type[Probe] = registry.get(ref_probe.type) or Probe
        ref_data, cand_data = ref_probe.data, cand_probe.data
        tree = None
        if (type(ref_data) is UnparsedData and type(cand_data) is UnparsedData
                and not cls.assess_reads_data):
            tree = diff_unparsed(ref_data, cand_data, hints=cls.list_hints, rewrite=rewriter_for(name),
                                 secrets_comparable=secrets_comparable)
        if tree is None:
            ref_data, cand_data = parsed(ref_data), parsed(cand_data)
            tree = diff_trees(ref_data, cand_data, hints=cls.list_hints, rewrite=rewriter_for(name),
                              secrets_comparable=secrets_comparable)
        compared += tree.compared
        matched += tree.matched
        uncomparable += tree.uncomparable_secrets
        unknown = [g.segments for g in (*ref_probe.gaps, *cand_probe.gaps) if g.segments]
        found: list[AssessedChange] = []
        for change in tree.changes:
            if any(change.segments[: len(u)] == u for u in unknown):
                continue
            path = "/".join((escape(name), *map(escape, change.segments)))
            tolerance = tolerance_for(path, change.change.value)
            if tolerance is not None:
                change = replace(change, tolerance=tolerance)
            assessment = cls.assess(change, ref_data, cand_data)
            if assessment.severity is None:  # a measured difference within tolerance matches
                matched += max(count_leaves(change.reference), count_leaves(change.candidate))
            else:
                found.append(AssessedChange(name, path, change, assessment))
        for assessed in settle_covered(found):
            if assessed.assessment.covered_by:  # its cause is counted once, where it is reported
                change = assessed.change
                matched += max(count_leaves(change.reference), count_leaves(change.candidate))
            changes.append(assessed)
    for name in candidate.probes.keys() - reference.probes.keys():
        errors.append(AuditError(reference.environment, name, None,
                                 f"probe {name!r} is only in the candidate snapshot"))
    return SnapshotDiff(candidate.environment, tuple(changes), compared, matched, uncomparable,
                        tuple(errors))


#: Longest chain of covered changes followed (a partition of a partition of ...); past it, reported.
COVER_DEPTH = 32


def settle_covered(found: list[AssessedChange]) -> list[AssessedChange]:
    """`found` (one probe's findings), each change that names the changes reporting its cause
    (`Assessment.covered_by`) kept covered only when one of them is among `found` and in the gate,
    or covered in turn by one that is; the others lose their cover and are reported as themselves
    (a rewrite, a tolerance or a gap may have removed the parent's change)."""
    by_segments = {assessed.change.segments: assessed for assessed in found}

    def anchored(segments: tuple[str, ...], depth: int) -> bool:
        assessed = by_segments.get(segments)
        if assessed is None or depth > COVER_DEPTH:
            return False
        covering = assessed.assessment.covered_by
        return not covering or any(anchored(other, depth + 1) for other in covering)

    settled = []
    for assessed in found:
        covering = assessed.assessment.covered_by
        if covering and not any(anchored(other, 1) for other in covering):
            uncovered = replace(assessed.assessment, covered_by=(), covered_note="")
            assessed = replace(assessed, assessment=uncovered)
        settled.append(assessed)
    return settled
