"""Messages for changed lists and tables say what changed inside them."""

from __future__ import annotations

from fidelity.model import Change
from fidelity.probe import DiffChange, describe_change
from fidelity.probe.describe import container_detail


def test_scalar_lists_name_added_and_removed_items() -> None:
    assert container_detail(["a", "b"], ["a", "c"]) == "added 'c'; removed 'b'"
    assert container_detail(["a", "b"], ["b", "a"]) == "same items in another order or count"
    assert container_detail([1], [1, 2, 3, 4, 5]) == "added 2, 3, 4 and 1 more"


def test_tables_are_summarised_by_deepdiff() -> None:
    detail = container_detail([{"a": 1, "b": 2}], [{"a": 2, "c": 3}])
    assert detail == "1 value(s) changed, 1 key(s) added, 1 key(s) removed"


def test_scalars_get_no_detail() -> None:
    assert container_detail("a", "b") is None
    assert container_detail(["a"], "a") is None


def test_generic_message_uses_the_detail() -> None:
    change = DiffChange(("settings.yaml", "origins"), Change.CHANGED, ["x"], ["x", "<y>"])
    assert describe_change(change) == "origins differs: added '<y>'"
