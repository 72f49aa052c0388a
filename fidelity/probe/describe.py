"""One-line descriptions of a change, with what changed inside a list or table (DeepDiff does the work)."""

from __future__ import annotations

from typing import Any

from fidelity.model import Change, DiffChange
from fidelity.redact import is_secret

MAX_SHOWN = 3
_LABELS = {
    "values_changed": "value(s) changed",
    "type_changes": "type(s) changed",
    "dictionary_item_added": "key(s) added",
    "dictionary_item_removed": "key(s) removed",
    "iterable_item_added": "item(s) added",
    "iterable_item_removed": "item(s) removed",
    "repetition_change": "repetition(s) changed",
}


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _listed(items: list[Any]) -> str:
    shown = ", ".join(repr(i) for i in items[:MAX_SHOWN])
    return shown + (f" and {len(items) - MAX_SHOWN} more" if len(items) > MAX_SHOWN else "")


def container_detail(reference: Any, candidate: Any) -> str | None:
    """E.g. "added 'http://localhost:3000'" for lists, "2 key(s) added" for tables; None otherwise."""
    if not (isinstance(reference, (list, dict)) and isinstance(candidate, (list, dict))):
        return None
    if isinstance(reference, list) and isinstance(candidate, list) and all(
            _scalar(v) for v in (*reference, *candidate)):
        added = [v for v in candidate if v not in reference]
        removed = [v for v in reference if v not in candidate]
        parts = ([f"added {_listed(added)}"] if added else []) + (
            [f"removed {_listed(removed)}"] if removed else [])
        return "; ".join(parts) if parts else "same items in another order or count"
    from deepdiff import DeepDiff

    report = DeepDiff(reference, candidate, threshold_to_diff_deeper=0, view="tree")
    parts = [f"{len(report[key])} {label}" for key, label in _LABELS.items() if key in report]
    return ", ".join(parts) or None


def describe_change(change: DiffChange) -> str:
    """A generic one-line message for a change."""
    what = change.segments[-1] if change.segments else "value"
    if change.change is Change.MISSING:
        return f"{what} is in the reference but missing from the candidate"
    if change.change is Change.EXTRA:
        return f"{what} is only in the candidate"
    if is_secret(change.reference) or is_secret(change.candidate):
        return f"{what}: secret value differs (compared by keyed fingerprint)"
    detail = container_detail(change.reference, change.candidate)
    return f"{what} differs" + (f": {detail}" if detail else "")
