"""The tree diff engine, cross-checked against DeepDiff on random trees."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.diff.tree import count_leaves, diff_trees
from fidelity.model import Change
from fidelity.probe import ListHint

keys = st.text(min_size=1, max_size=4)
scalars = st.one_of(st.none(), st.integers(-3, 3), st.text(max_size=3))
trees = st.recursive(scalars, lambda inner: st.dictionaries(keys, inner, max_size=4), max_leaves=30)
dict_trees = st.dictionaries(keys, trees, max_size=5)


def deepdiff_paths(a: Any, b: Any) -> dict[tuple[str, ...], str]:
    """DeepDiff's report as {segments: change kind}."""
    report = DeepDiff(a, b, view="tree", threshold_to_diff_deeper=0, ignore_private_variables=False)
    kinds = {"dictionary_item_removed": "missing", "dictionary_item_added": "extra",
             "values_changed": "changed", "type_changes": "changed"}
    found: dict[tuple[str, ...], str] = {}
    for key, kind in kinds.items():
        for level in report.get(key, []):
            found[tuple(str(p) for p in level.path(output_format="list"))] = kind
    return found


@settings(max_examples=300, deadline=None)
@given(dict_trees, dict_trees)
def test_engine_reports_what_deepdiff_reports(a: dict[str, Any], b: dict[str, Any]) -> None:
    result = diff_trees(a, b)
    ours = {c.segments: c.change.value for c in result.changes}
    assert ours == deepdiff_paths(a, b)
    assert 0 <= result.matched <= result.compared


@settings(max_examples=100, deadline=None)
@given(dict_trees)
def test_identical_trees_match_fully(a: dict[str, Any]) -> None:
    result = diff_trees(a, a)
    assert result.changes == ()
    assert result.matched == result.compared == count_leaves(a)


def test_missing_subtree_is_one_finding_with_its_leaves_counted() -> None:
    a = {"users": {"columns": {"id": {"type": "int"}, "email": {"type": "text"}}}, "x": 1}
    b = {"x": 1}
    result = diff_trees(a, b)
    assert [(c.segments, c.change) for c in result.changes] == [(("users",), Change.MISSING)]
    assert (result.compared, result.matched) == (3, 1)


def test_keyed_lists_match_by_key_not_position() -> None:
    a = {"containers": [{"name": "web", "image": "a:1"}, {"name": "side", "image": "b:1"}]}
    b = {"containers": [{"name": "side", "image": "b:1"}, {"name": "web", "image": "a:2"}]}
    hints = [ListHint("containers", key="name")]
    result = diff_trees(a, b, hints=hints)
    assert [(c.segments, c.change, c.reference, c.candidate) for c in result.changes] == [
        (("containers", "web", "image"), Change.CHANGED, "a:1", "a:2")
    ]
    unhinted = diff_trees(a, b)
    assert [c.segments for c in unhinted.changes] == [("containers",)]


def test_set_lists_ignore_order_and_report_members() -> None:
    a = {"origins": ["a", "b", "c"]}
    b = {"origins": ["c", "a", "d"]}
    result = diff_trees(a, b, hints=[ListHint("**", key=None)])
    assert {(c.segments, c.change) for c in result.changes} == {
        (("origins", "b"), Change.MISSING), (("origins", "d"), Change.EXTRA)}


def test_hint_falls_back_when_items_do_not_fit() -> None:
    a = {"l": [{"name": "x"}, {"name": "x"}]}
    b = {"l": [{"name": "x"}]}
    result = diff_trees(a, b, hints=[ListHint("l", key="name")])
    assert [c.segments for c in result.changes] == [("l",)]


def test_rewrite_neutralises_environment_names() -> None:
    a = {"db": {"host": "db.prod.internal", "port": 5432}}
    b = {"db": {"host": "db.staging.internal", "port": 5432}}

    def rewrite(segments: tuple[str, ...], value: Any) -> Any:
        return value.replace("staging", "prod") if isinstance(value, str) else value

    result = diff_trees(a, b, rewrite=rewrite)
    assert result.changes == ()
    assert result.matched == result.compared == 2


def test_numbers_compare_by_value() -> None:
    assert diff_trees({"timeout": 30}, {"timeout": 30.0}).changes == ()
    assert [c.change for c in diff_trees({"t": 30}, {"t": "30"}).changes] == [Change.CHANGED]


def test_secrets_under_different_keys_are_skipped_not_reported() -> None:
    a = {"TOKEN": "[secret:" + "a" * 32 + "]", "URL": "pg://u:[secret:" + "c" * 32 + "]@db"}
    b = {"TOKEN": "[secret:" + "b" * 32 + "]", "URL": "pg://u:[secret:" + "d" * 32 + "]@db"}
    skipped = diff_trees(a, b, secrets_comparable=False)
    assert skipped.changes == ()
    assert skipped.uncomparable_secrets == 2
    compared = diff_trees(a, b)
    assert len(compared.changes) == 2
    host_changed = diff_trees(a, {**b, "URL": "pg://u:[secret:" + "d" * 32 + "]@other"},
                              secrets_comparable=False)
    assert [c.segments for c in host_changed.changes] == [("URL",)]


def _plain_walk(a: Any, b: Any, seg: tuple[str, ...] = ()) -> tuple[list[tuple[Any, ...]], int, int]:
    """The documented semantics, key by key with no shortcut: (changes, compared, matched)."""
    if a == b and type(a) is type(b):
        return [], count_leaves(a), count_leaves(a)
    if type(a) is dict and type(b) is dict:
        changes: list[tuple[Any, ...]] = []
        compared = matched = 0
        for key, value in a.items():
            if key in b:
                found, c, m = _plain_walk(value, b[key], (*seg, key))
                changes += found
                compared, matched = compared + c, matched + m
            else:
                changes.append(((*seg, key), "missing", value, None))
                compared += count_leaves(value)
        for key, value in b.items():
            if key not in a:
                changes.append(((*seg, key), "extra", None, value))
                compared += count_leaves(value)
        return changes, compared, matched
    return [(seg, "changed", a, b)], max(count_leaves(a), count_leaves(b)), 0


#: Values that are equal in Python across types (1, 1.0, true), nested tables and lists of them.
numbers = st.sampled_from([0, 1, 2, 1.0, 0.0, -0.0, 2.5, True, False, None, "1", ""])
same_key_trees = st.recursive(
    numbers, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abcd"), inner,
                                                                           max_size=4),
    max_leaves=25)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.tuples(same_key_trees, same_key_trees), max_size=8),
       st.booleans())
def test_tables_with_the_same_keys_diff_as_the_plain_walk_does(pairs: dict[str, tuple[Any, Any]],
                                                                reorder: bool) -> None:
    """The shortcut for tables with the same keys (values compared in C) reports exactly the changes,
    in the same order, and the counts of a walk key by key: 1 and 1.0 and true differ in type."""
    a = {key: left for key, (left, _) in pairs.items()}
    b = {key: right for key, (_, right) in pairs.items()}
    if reorder:  # the same keys in another order
        b = dict(reversed(b.items()))
    result = diff_trees({"t": a}, {"t": b})
    changes, compared, matched = _plain_walk({"t": a}, {"t": b})
    assert [(c.segments, c.change.value, c.reference, c.candidate) for c in result.changes] == changes
    assert (result.compared, result.matched) == (compared, matched)
