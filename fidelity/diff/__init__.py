"""Stage 3, diff: two snapshots in, raw changes (each judged by its probe) and leaf counts out."""

from fidelity.diff.compare import (
    AssessedChange,
    RewriterFor,
    SnapshotDiff,
    ToleranceFor,
    compare_snapshots,
    snapshot_errors,
    snapshot_warnings,
)
from fidelity.diff.tree import Rewriter, TreeDiff, count_leaves, diff_trees

__all__ = [
    "AssessedChange",
    "Rewriter",
    "RewriterFor",
    "SnapshotDiff",
    "ToleranceFor",
    "TreeDiff",
    "compare_snapshots",
    "count_leaves",
    "diff_trees",
    "snapshot_errors",
    "snapshot_warnings",
]
