"""The vocabulary every stage shares: severities, changes, findings, reports and finding paths."""

from fidelity.model.changes import Assessment, DiffChange, ListHint, Tolerance
from fidelity.model.errors import FidelityError, UsageError, one_line
from fidelity.model.findings import (
    FAIL_ON_CHOICES,
    SEVERITY_WEIGHTS,
    AuditError,
    AuditReport,
    AuditWarning,
    Category,
    Change,
    Comparison,
    ExpiredRule,
    Finding,
    Severity,
    Status,
    Verdict,
)

__all__ = [
    "FAIL_ON_CHOICES",
    "SEVERITY_WEIGHTS",
    "Assessment",
    "AuditError",
    "AuditReport",
    "AuditWarning",
    "Category",
    "Change",
    "Comparison",
    "DiffChange",
    "ExpiredRule",
    "FidelityError",
    "Finding",
    "ListHint",
    "Severity",
    "Status",
    "Tolerance",
    "UsageError",
    "Verdict",
    "one_line",
]
