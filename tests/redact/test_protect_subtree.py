"""`protect_subtree`: a probe protects its data where it makes it, in one walk, and the snapshot keeps it.

The reference below is the two walks the config_files probe made before (every leaf below a
secret-looking name fingerprinted whole, then the snapshot's `protect`), written out again here:
the one walk must give exactly what the two gave, on hostile trees too.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.redact import FINGERPRINT_RE, SecretKeeper
from fidelity.redact.subtree import SubtreeProtector, protect_subtree
from fidelity.redact.text import is_policy
from fidelity.redact.tree import TreeTooDeep, protect

KEEPER = SecretKeeper(b"subtree tests")
RANDOM = "q8Zr2LmX0vKpT7wN4bYc9HsJ"
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A"
NAMES = st.sampled_from(["password", "api_key", "custom_x", "my_thing", "name", "url", "secrets.json", "list",
                         GHP, RANDOM, "PASSWORD=hunter2", "token", "password_min_length", "tokenTTL",
                         "custom_ttl", "my_secret_version", "NAME_length", "TOKEN_REQUIRED",
                         "secret-enabled"])
KEYS = st.one_of(NAMES, st.text(max_size=8))
TEXTS = st.one_of(st.sampled_from(["postgres://u:pw@h/db", "Bearer abc.DEF-123_x", RANDOM, "info", "",
                                   "[secret:0123456789abcdef0123456789abcdef]", "mysql -uroot -pS3cret",
                                   "false", "Off", "90d", "1.5 h", "12345678901"]),
                  st.text(max_size=12))
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXTS)
TREES = st.recursive(LEAVES, lambda children: st.one_of(st.lists(children, max_size=4),
                                                        st.dictionaries(KEYS, children, max_size=4)),
                     max_leaves=30)
GLOBS = st.sampled_from([(), ("custom*",), ("my_*", "NAME")])


def by_name_then_protect(file: str, tree: Any, globs: tuple[str, ...], keeper: SecretKeeper) -> Any:
    """The reference: the probe's own walk by key name, then the snapshot's walk over the probe's data."""

    def by_name(value: Any, secret: bool, declared: bool = False, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: by_name(v, secret or keeper.is_secret_name(str(k), globs),
                               declared or keeper.declared_secret_name(str(k), globs), str(k))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [by_name(v, secret, declared) for v in value]
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)  # what the parsers' JSON-native copy made of it
        if secret and not declared and key is not None and is_policy(key, value):
            return value  # policy, not a secret: `token_required = false`, `password_min_length = 6`
        if secret and isinstance(value, str) and re.fullmatch(r"(?i:bearer|basic|token) \S+", value):
            scheme, _, credential = str(keeper.protect_value(value)).partition(" ")
            if value.startswith(scheme + " ") and FINGERPRINT_RE.fullmatch(credential):
                return f"{scheme} {credential}"  # `Bearer <token>` keeps its scheme
        return keeper.fingerprint(value) if secret and value is not None else value

    return protect({file: by_name(tree, False)}, keeper)[file]


def dumped(tree: Any) -> str:
    return json.dumps(tree, allow_nan=False, ensure_ascii=False)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(["app.json", "secrets.json", RANDOM]), TREES, GLOBS)
def test_one_walk_gives_what_the_two_walks_gave(file: str, tree: Any, globs: tuple[str, ...]) -> None:
    expected = by_name_then_protect(file, tree, globs, KEEPER)
    mine = protect_subtree(tree, KEEPER, (file,), whole_below=globs)
    assert dumped(mine) == dumped(expected)
    # the snapshot's walk over the probe's data keeps it as it is, and gives the same document
    assert dumped(protect({file: mine}, KEEPER)) == dumped({file: expected})


@settings(max_examples=200, deadline=None)
@given(TREES)
def test_a_subtree_protected_with_another_keeper_or_elsewhere_is_walked_again(tree: Any) -> None:
    other = SecretKeeper(b"another key")
    mine = protect_subtree(tree, other, ("app",))
    assert dumped(protect({"app": mine}, KEEPER)) == dumped(protect({"app": protect(tree, other)}, KEEPER))
    mine = protect_subtree(tree, KEEPER, ("app",))
    moved = protect({"password": mine}, KEEPER)  # below a secret name: random strings go whole too
    assert dumped(moved) == dumped(protect({"password": protect({"app": tree}, KEEPER)["app"]}, KEEPER))


def test_secret_names_and_globs_hide_every_leaf_below_them_whatever_it_looks_like() -> None:
    tree = {"db": {"password": "hunter2", "pool": 5, "url": "postgres://app:hunter2@db/app"},
            "custom_flags": {"on": True, "ratio": 0.5, "none": None, "list": [1, {"k": "v"}]},
            "level": "info"}
    out = protect_subtree(tree, KEEPER, ("app.json",), whole_below=("custom*",))
    fp = KEEPER.fingerprint
    url = f"postgres://app:{fp('hunter2')}@db/app"
    flags = {"on": fp(True), "ratio": fp(0.5), "none": None, "list": [fp(1), {"k": fp("v")}]}
    assert out == {"db": {"password": fp("hunter2"), "pool": 5, "url": url}, "custom_flags": flags,
                   "level": "info"}
    assert "hunter2" not in dumped(protect({"app.json": out}, KEEPER))


def test_depth_is_checked_against_the_callers_limit() -> None:
    deep: Any = "leaf"
    for _ in range(61):
        deep = [deep]
    with pytest.raises(TreeTooDeep):
        protect_subtree({"x": deep}, KEEPER, ("f",), max_depth=60)
    assert protect_subtree(deep[0], KEEPER, ("f",), max_depth=60) == deep[0]
    # kept by a snapshot walk whose limit it fits under; walked again (and refused) where it does not
    fits = protect_subtree(deep[0][0], KEEPER, ("f",), max_depth=59)
    assert protect({"f": fits}, KEEPER, max_depth=60) == {"f": deep[0][0]}
    with pytest.raises(TreeTooDeep):
        protect({"a": {"f": fits}}, KEEPER, max_depth=60)



@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.lists(KEYS, min_size=1, max_size=3), TREES), min_size=1, max_size=5))
def test_one_protector_for_many_subtrees_protects_each_as_the_snapshot_would(
        places: list[tuple[list[str], Any]]) -> None:
    """What a protector remembers from one subtree never changes how it protects the next, at any place,
    and the snapshot's walk over the data gives what it gives when no probe protected anything."""
    protector = SubtreeProtector(KEEPER)
    for at, tree in places:
        mine = protector.protect(tree, at)
        assert dumped(mine) == dumped(protect_subtree(tree, KEEPER, at))
        data: Any = mine
        plain: Any = tree
        for key in reversed(at):
            data, plain = {key: data}, {key: plain}
        assert dumped(protect(data, KEEPER)) == dumped(protect(plain, KEEPER))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.lists(KEYS, max_size=3), TREES), min_size=1, max_size=5), GLOBS)
def test_one_protector_with_globs_protects_each_subtree_as_protect_subtree_does(
        places: list[tuple[list[str], Any]], globs: tuple[str, ...]) -> None:
    protector = SubtreeProtector(KEEPER, whole_below=globs)
    for at, tree in places:
        expected = protect_subtree(tree, KEEPER, at, whole_below=globs)  # a fresh walk, nothing remembered
        assert dumped(protector.protect(tree, at)) == dumped(expected)


def test_a_secret_named_in_a_pair_or_an_assignment_is_protected_on_the_surveyed_path() -> None:
    """`{name: DB_PASSWORD, value: …}` and `DB_PASSWORD=…` hold a secret the survey cannot see by its
    shape: the survey must let the walk decide, and the walk fingerprints both values."""
    from fidelity.redact import survey_json

    tree = {"env": [{"name": "DB_PASSWORD", "value": "plain-words-1"}, {"name": "LOG", "value": "debug"}],
            "environment": ["API_TOKEN=plain-words-2", "LOG=info", "TOKEN_TTL=30"],
            "headers": [{"key": "X-Api-Key", "value": "plain-words-3"}]}
    protected = SubtreeProtector(KEEPER).protect(tree, (), survey_json(tree))
    assert "plain-words" not in repr(protected)
    assert protected["env"][1] == {"name": "LOG", "value": "debug"}
    assert protected["environment"][1:] == ["LOG=info", "TOKEN_TTL=30"]  # policy stays comparable
    assert protected == protect(tree, KEEPER)
