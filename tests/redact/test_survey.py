"""`protect_subtree` with a survey keeps a JSON tree it would not change, instead of copying it.

The reference is the walk itself (no survey): with a survey the result must be exactly what the
walk makes (same types, same floats, same marks), on random trees and on large benign trees with one
hostile thing put anywhere in them, and no secret may ever come out as it went in.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.redact import SecretKeeper, survey_json
from fidelity.redact.subtree import SubtreeProtector, protect_subtree
from fidelity.redact.tree import TreeTooDeep, protect
from tests.support.exact import same

KEEPER = SecretKeeper(b"survey tests")
RANDOM = "q8Zr2LmX0vKpT7wN4bYc9HsJ"
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A"
FINGERPRINT = "[secret:0123456789abcdef0123456789abcdef]"
#: Things the walk changes, or that change how it walks what is below them.
HOSTILE_KEYS = ["password", "api_key", "secrets.json", "custom_x", "my_thing", "NAME", GHP, RANDOM,
                "PASSWORD=hunter2", "token", FINGERPRINT, "db postgres://u:pw@h/db", "Authorization"]
HOSTILE_TEXTS = ["postgres://u:pw@h/db", "Bearer abc.DEF-123_x", GHP, FINGERPRINT, "mysql -uroot -pS3cret",
                 "https://user:hunter2@example.com/x", "Authorization: Basic dXNlcjpodW50ZXIy",
                 f"x {GHP} y", "AKIAIOSFODNN7EXAMPLE", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n"]
HOSTILE_FLOATS = [math.nan, math.inf, -math.inf]
#: What a large, ordinary config holds.
BENIGN_KEYS = st.sampled_from(["name", "host", "port", "level", "mode", "replicas", "url", "path", "a", ""])
BENIGN_TEXTS = st.sampled_from(["info", "host-1.internal", "https://example.com/x", "", "fast", "a:b",
                                "é 😀"])
BENIGN_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), BENIGN_TEXTS,
                          st.floats(allow_nan=False, allow_infinity=False))
BENIGN = st.recursive(BENIGN_LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(BENIGN_KEYS, children, max_size=5)), max_leaves=60)
KEYS = st.one_of(BENIGN_KEYS, st.sampled_from(HOSTILE_KEYS), st.text(max_size=8))
LEAVES = st.one_of(BENIGN_LEAVES, st.sampled_from(HOSTILE_TEXTS), st.sampled_from(HOSTILE_FLOATS),
                   st.text(max_size=12))
TREES = st.recursive(LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)), max_leaves=30)
GLOBS = st.sampled_from([(), ("custom*",), ("my_*", "NAME"), ("host",)])



def both(tree: Any, at: tuple[str, ...], globs: tuple[str, ...], max_depth: int = 60) -> tuple[Any, Any]:
    """What the walk makes of `tree`, and what `protect_subtree` with its survey makes of a copy."""
    walked = protect_subtree(tree, KEEPER, at, whole_below=globs, max_depth=max_depth)
    copy = json.loads(json.dumps(tree))
    kept = protect_subtree(copy, KEEPER, at, whole_below=globs, max_depth=max_depth, survey=survey_json(copy))
    return walked, kept


def assert_same_protection(walked: Any, kept: Any, fresh: bool = True) -> None:
    """`fresh`: both made by protectors that protected nothing before (`plain` is of all they made)."""
    assert same(kept, walked)
    assert type(kept) is type(walked)
    for mark in ("keeper", "state", "depth", *(("plain",) if fresh else ())):
        assert getattr(kept, mark, None) is getattr(walked, mark, None) or \
            getattr(kept, mark, None) == getattr(walked, mark, None)


@settings(max_examples=400, deadline=None)
@given(tree=st.one_of(TREES, st.dictionaries(KEYS, TREES, max_size=4)), globs=GLOBS,
       at=st.sampled_from([("f",), ("password",), ("custom_x",), ()]))
def test_a_surveyed_tree_is_protected_exactly_as_the_walk_protects_it(
        tree: Any, globs: tuple[str, ...], at: tuple[str, ...]) -> None:
    walked, kept = both(tree, at, globs)
    assert_same_protection(walked, kept)


@settings(max_examples=300, deadline=None)
@given(tree=st.dictionaries(BENIGN_KEYS, BENIGN, min_size=1, max_size=6), data=st.data(),
       hostile=st.one_of(st.sampled_from(HOSTILE_TEXTS), st.sampled_from(HOSTILE_FLOATS),
                         st.sampled_from(HOSTILE_KEYS).map(lambda k: {k: "x1-plain value"})),
       globs=GLOBS)
def test_one_hostile_thing_anywhere_in_a_benign_tree_is_protected_as_the_walk_does(
        tree: dict[str, Any], data: st.DataObject, hostile: Any, globs: tuple[str, ...]) -> None:
    place = tree
    while True:  # down a random path, then put the hostile thing there
        inner = [k for k, v in place.items() if isinstance(v, dict) and v]
        if not inner or data.draw(st.booleans()):
            break
        place = place[data.draw(st.sampled_from(inner))]
    place[data.draw(st.sampled_from(["name", "zz", "password", "level"]))] = hostile
    walked = protect_subtree(json.loads(json.dumps(tree)), KEEPER, ("f",), whole_below=globs)
    kept = protect_subtree(tree, KEEPER, ("f",), whole_below=globs, survey=survey_json(tree))
    assert_same_protection(walked, kept)
    shown = json.dumps(kept)
    for secret in ("pw@", "hunter2", "S3cret", GHP, "dXNlcjpodW50ZXIy", "abc.DEF-123_x", "MIIB",
                   "AKIAIOSFODNN7EXAMPLE"):
        assert secret not in shown
    if isinstance(hostile, dict) and KEEPER.is_secret_name(next(iter(hostile)), globs):
        assert "x1-plain value" not in shown  # every leaf below a secret name or glob


@settings(max_examples=200, deadline=None)
@given(tree=st.dictionaries(BENIGN_KEYS, BENIGN, max_size=6))
def test_a_benign_tree_is_kept_as_it_is(tree: dict[str, Any]) -> None:
    copy = json.loads(json.dumps(tree))
    kept = protect_subtree(copy, KEEPER, ("f",), survey=survey_json(copy))
    assert same(kept, protect_subtree(tree, KEEPER, ("f",)))
    assert all(kept[k] is copy[k] for k in copy)  # not copied: the walk was skipped


def test_a_secret_at_the_bottom_of_a_large_tree_is_fingerprinted() -> None:
    tree = {f"service_{s}": {f"key_{k}": f"host-{s}-{k}.internal" for k in range(50)} for s in range(200)}
    assert protect_subtree(tree, KEEPER, ("f",), survey=survey_json(tree))["service_0"] is tree["service_0"]
    for hostile, leaked in [("postgres://app:hunter2@db/x", "hunter2"), (GHP, GHP),
                            ("Authorization: Bearer abc.DEF-123_x", "abc.DEF-123_x")]:
        tree["service_199"]["key_49"] = hostile
        kept = protect_subtree(tree, KEEPER, ("f",), survey=survey_json(tree))
        assert leaked not in json.dumps(kept)
        assert same(kept, protect_subtree(json.loads(json.dumps(tree)), KEEPER, ("f",)))
    tree["service_199"]["key_49"] = "ok"
    for key in ["password", "token", "custom_x"]:
        tree["service_199"][key] = {"deep": ["plain words", 5]}
        kept = protect_subtree(tree, KEEPER, ("f",), whole_below=("custom*",), survey=survey_json(tree))
        assert "plain words" not in json.dumps(kept)
        del tree["service_199"][key]


@pytest.mark.parametrize("number", [1e16, -1e16, 1e300, 1e-05, -2.5e-07, 5e-324, 0.5, 0.0, 1e15])
def test_a_kept_tree_is_marked_plain_only_where_the_walk_marks_it(number: float) -> None:
    # `plain` lets the snapshot writer skip its check of floats that msgspec writes otherwise than
    # the stdlib (1e16 for 1e+16, 0.00001 for 1e-05): a kept tree must carry the walk's answer.
    tree = {"a": {"b": [1, number, "x"]}, "c": "host-1.internal"}
    copy = json.loads(json.dumps(tree))
    kept = protect_subtree(copy, KEEPER, ("f",), survey=survey_json(copy))
    walked = protect_subtree(tree, KEEPER, ("f",))
    assert kept["a"] is copy["a"]  # kept as it is: the walk was skipped
    assert kept.plain is walked.plain is (number == 0.0 or 1e-4 <= abs(number) < 1e16)


def test_too_deep_is_refused_with_a_survey_too() -> None:
    deep: Any = ["x"]
    for _ in range(60):
        deep = [deep]
    with pytest.raises(TreeTooDeep):
        protect_subtree(deep, KEEPER, ("f",), max_depth=60, survey=survey_json(deep))
    assert same(protect_subtree(deep[0], KEEPER, ("f",), max_depth=60, survey=survey_json(deep[0])),
                protect_subtree(deep[0], KEEPER, ("f",), max_depth=60))


def test_what_a_json_parser_does_not_make_is_not_surveyed() -> None:
    for odd in [[math.nan], {"a": math.inf}, [(1, 2)], {"a": {1: "x"}}, {1: "x"}, "text", 5, None,
                [type("S", (str,), {})("x")]]:
        assert survey_json(odd) is None
    found = survey_json({"a": [1, "x", {"b": None, "a": 2.5}], "c": {}})
    assert found is not None
    assert (found.keys, found.strings, found.key_count, found.deepest) == ({"a", "b", "c"}, {"x"}, 4, 2)


def test_a_survey_made_for_one_place_is_not_trusted_below_a_secret_name() -> None:
    tree = {"plain": RANDOM, "list": [RANDOM]}
    protector = SubtreeProtector(KEEPER)
    kept = protector.protect(tree, ("password",), survey_json(tree))
    assert RANDOM not in json.dumps(kept)
    assert same(dict(kept), protect({"password": tree}, KEEPER)["password"])


@settings(max_examples=200, deadline=None)
@given(trees=st.lists(st.one_of(st.dictionaries(BENIGN_KEYS, BENIGN, max_size=5),
                                st.dictionaries(KEYS, TREES, max_size=4)), min_size=2, max_size=4),
       globs=GLOBS)
def test_one_protector_for_many_surveyed_files_protects_each_as_a_fresh_walk_does(
        trees: list[Any], globs: tuple[str, ...]) -> None:
    protector = SubtreeProtector(KEEPER, whole_below=globs)
    for index, tree in enumerate(trees):
        at = (f"file{index}",)
        walked = protect_subtree(tree, KEEPER, at, whole_below=globs)
        copy = json.loads(json.dumps(tree))
        assert_same_protection(walked, protector.protect(copy, at, survey_json(copy)), fresh=index == 0)


def _survey_one_value_at_a_time(tree: Any) -> Any:
    """The survey as a plain walk over every value: the reference for the C-classified one."""
    if type(tree) is not dict and type(tree) is not list:
        return None
    keys: set[Any] = set()
    strings: set[str] = set()
    key_count = deepest = 0
    plain = True
    pending = [(tree, 0)] if tree else []
    while pending:
        node, depth = pending.pop()
        deepest = max(deepest, depth)
        if type(node) is dict:
            keys.update(node)
            key_count += len(node)
        for value in node.values() if type(node) is dict else node:
            if type(value) is str:
                strings.add(value)
            elif type(value) in (dict, list):
                if value:
                    pending.append((value, depth + 1))
            elif type(value) is float:
                if not math.isfinite(value):
                    return None
                plain = plain and (value == 0.0 or 1e-4 <= abs(value) < 1e16)
            elif type(value) not in (int, bool, type(None)):
                return None
    if any(type(key) is not str for key in keys):
        return None
    return (frozenset(keys), frozenset(strings), key_count, deepest, plain)


ODD_LEAVES = st.one_of(st.floats(), st.sampled_from([1e16, 1e-05, (1, 2), b"x", 1j]), st.text(max_size=3),
                       st.integers(), st.booleans(), st.none())
ODD_TREES = st.recursive(ODD_LEAVES, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.one_of(st.text(max_size=2), st.integers()), children,
                                                    max_size=5)), max_leaves=50)


@settings(max_examples=500, deadline=None)
@given(tree=ODD_TREES)
def test_the_survey_sees_what_a_walk_over_every_value_sees(tree: Any) -> None:
    found = survey_json(tree)
    expected = _survey_one_value_at_a_time(tree)
    got = None if found is None else (found.keys, found.strings, found.key_count, found.deepest, found.plain)
    assert got == expected


TABLE_NAMES = st.one_of(BENIGN_KEYS, st.sampled_from(["passwords", "api_tokens", "users", GHP, RANDOM]))


@settings(max_examples=300, deadline=None)
@given(tables=st.lists(st.tuples(TABLE_NAMES, st.one_of(st.dictionaries(BENIGN_KEYS, BENIGN, max_size=5),
                                                        st.dictionaries(KEYS, TREES, max_size=4))),
                       max_size=6),
       depth=st.sampled_from([3, 60]))
def test_many_subtrees_protected_together_are_protected_as_one_by_one(
        tables: list[tuple[str, Any]], depth: int) -> None:
    """`protect_many` (every table's columns in one survey) gives what `protect` gives for each, in
    turn: the same data, types and marks, a secret never kept, a tree too deep still refused."""
    places = [(tree, ("schema", "public", "tables", name, "columns")) for name, tree in tables]
    one_by_one = SubtreeProtector(KEEPER, max_depth=depth)
    together = SubtreeProtector(KEEPER, max_depth=depth)
    try:
        expected = [one_by_one.protect(json.loads(json.dumps(tree)), at) for tree, at in places]
    except TreeTooDeep:
        with pytest.raises(TreeTooDeep):
            together.protect_many([(json.loads(json.dumps(tree)), at) for tree, at in places])
        return
    got = together.protect_many([(json.loads(json.dumps(tree)), at) for tree, at in places])
    assert len(got) == len(expected)
    for kept, walked in zip(got, expected, strict=True):
        assert_same_protection(walked, kept, fresh=False)
    assert one_by_one._walk.plain == together._walk.plain


def test_a_secret_in_one_of_many_subtrees_is_fingerprinted() -> None:
    places = [({f"c{i}": {"type": "text", "default": "'x'"}},
               ("schema", "s", "tables", f"t{i}", "columns"))
              for i in range(500)]
    places.append(({"token": {"type": "text", "default": f"'{GHP}'"}},
                   ("schema", "s", "tables", "t", "columns")))
    out = SubtreeProtector(KEEPER).protect_many(places)
    assert GHP not in json.dumps(out)
    assert same(dict(out[0]), places[0][0])
