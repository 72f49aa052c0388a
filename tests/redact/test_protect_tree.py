"""The protecting walk: JSON-native data with every secret fingerprinted, by shape and under names."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.redact import FINGERPRINT_RE, SecretKeeper
from fidelity.redact.subtree import protect_subtree
from fidelity.redact.tree import MAX_DEPTH, TreeTooDeep, protect, protect_path

KEEPER = SecretKeeper(b"tree tests")
GHP = "ghp_" + "aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY1z2A"
RANDOM = "q8Zr2LmX0vKpT7wN4bYc9HsJ"


def test_only_the_secret_part_of_a_value_is_replaced() -> None:
    data = {"db": "postgres://app:hunter2@db.prod:5432/app", "auth": "Bearer abc.DEF-123_x",
            "cmd": "mysql -uroot -pS3cret -h db", "level": "info"}
    out = protect(data, KEEPER)
    assert out["db"] == f"postgres://app:{KEEPER.fingerprint('hunter2')}@db.prod:5432/app"
    assert out["auth"] == f"Bearer {KEEPER.fingerprint('abc.DEF-123_x')}"
    assert out["cmd"] == f"mysql -uroot -p{KEEPER.fingerprint('S3cret')} -h db"
    assert out["level"] == "info"


def test_random_values_below_a_secret_looking_name_are_fingerprinted_whole() -> None:
    data = {"vault": {"api_tokens": {"main": {"value": RANDOM, "note": "rotated monthly"}}},
            "build": {"id": RANDOM}}
    out = protect(data, KEEPER)
    main = out["vault"]["api_tokens"]["main"]
    assert main == {"value": KEEPER.fingerprint(RANDOM), "note": "rotated monthly"}
    assert out["build"]["id"] == RANDOM  # not below a secret-looking name


def test_quoted_literals_below_a_secret_looking_name_are_fingerprinted() -> None:
    """A database column default under a secret-looking column: the literal, random or not, is
    fingerprinted and its cast kept; the same literal elsewhere stays comparable as it is."""
    data = {"columns": {"api_key": {"type": "text", "default": f"'{RANDOM}'::text"},
                        "password": {"default": "'hunter2'::character varying"},
                        "status": {"default": "'active'::text"}},
            "quoted": "it's 'it''s'"}
    out = protect(data, KEEPER)
    assert out["columns"]["api_key"] == {"type": "text", "default": f"'{KEEPER.fingerprint(RANDOM)}'::text"}
    assert out["columns"]["password"]["default"] == f"'{KEEPER.fingerprint('hunter2')}'::character varying"
    assert out["columns"]["status"]["default"] == "'active'::text"
    assert out["quoted"] == data["quoted"]  # not below a secret-looking name
    assert protect(out, KEEPER) == out


def test_keys_holding_secrets_are_fingerprinted_and_make_their_subtree_secret() -> None:
    out = protect({"users": {GHP: {"name": "alice", "seed": RANDOM}}, "api_keys": {RANDOM: 1}}, KEEPER)
    assert out == {"users": {KEEPER.fingerprint(GHP): {"name": "alice", "seed": KEEPER.fingerprint(RANDOM)}},
                   "api_keys": {KEEPER.fingerprint(RANDOM): 1}}
    assert protect_path(("users", GHP, "name"), KEEPER) == ("users", KEEPER.fingerprint(GHP), "name")
    assert protect_path(("api_keys", RANDOM), KEEPER) == ("api_keys", KEEPER.fingerprint(RANDOM))


def test_data_becomes_json_native() -> None:
    out = protect({1: (1.5, math.inf, None, True), "d": dt.date(2026, 1, 2), "o": object}, None)
    assert out == {"1": [1.5, "inf", None, True], "d": "2026-01-02", "o": str(object)}


def test_too_deep_data_is_an_error_not_a_crash() -> None:
    deep: Any = []
    for _ in range(MAX_DEPTH + 1):
        deep = [deep]
    with pytest.raises(TreeTooDeep):
        protect(deep, KEEPER)
    shallow: Any = []
    for _ in range(MAX_DEPTH):
        shallow = [shallow]
    assert protect(shallow, KEEPER) == shallow


SECRETISH = st.sampled_from([
    "postgres://u:pw@h/db", "Bearer ", "Authorization: Basic ", "password=", "token: ",
    "-----BEGIN PRIVATE KEY-----", "mysql -p", " --token ", "?sig=", "&key=", "https://hooks.slack.com/services/",
    "eyJ", "AKIA", "ghp_", "xoxb-",
    "sk_live_", "AIza", "npm_", ";Password=", "[secret:", "]", "@", ":", "/", " ", "=", RANDOM, GHP,
    "[secret:0123456789abcdef0123456789abcdef]", "api_key", "secret", "***", "${VAR}", "PASSWORD=", "$",
    "$VAR", '"',
])
PIECES = st.lists(st.one_of(SECRETISH, st.text(max_size=8)), max_size=6)
TEXT = st.one_of(st.text(max_size=30), PIECES.map("".join))
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), TEXT)
TREES = st.recursive(LEAVES, lambda children: st.one_of(st.lists(children, max_size=4),
                                                        st.dictionaries(TEXT, children, max_size=4)),
                     max_leaves=30)


@pytest.mark.parametrize("text", ['PASSWORD=$"', "PASSWORD=$", 'TOKEN=$VAR"x', "API_KEY=$1abc",
                                  "PASSWORD=$VAR tail"])
def test_an_assigned_value_that_only_starts_like_a_variable_is_fingerprinted_whole(text: str) -> None:
    """`NAME=$…` is left as it is only when the value is a variable (`$VAR`, `${VAR}`); any other value
    is fingerprinted whole, once: masking the result again changes nothing (hypothesis found
    `PASSWORD=$"` masked to `PASSWORD=[secret:…]"`, whose second masking took the quote in too)."""
    name, _, value = text.partition("=")
    for where in ({"x": text}, {text: None}, [text]):
        once = protect(where, KEEPER)
        assert protect(once, KEEPER) == once
        assert f"{name}={KEEPER.fingerprint(value)}" in json.dumps(once)
    for kept in ("PASSWORD=$DB_PASSWORD", "PASSWORD=${DB_PASSWORD}", "PASSWORD=${DB_PASSWORD:-}"):
        assert protect({"x": kept}, KEEPER) == {"x": kept}


@settings(max_examples=400, deadline=None)
@given(TREES)
def test_protecting_never_raises_and_is_idempotent(tree: Any) -> None:
    once = protect(tree, KEEPER)
    json.dumps(once, allow_nan=False)  # JSON-native
    assert json.dumps(protect(once, KEEPER), allow_nan=False) == json.dumps(once, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(TREES, max_size=5), st.sampled_from([None, (), ("*",)]))
def test_each_list_item_is_protected_as_the_same_value_in_the_list_s_place(
        key: str, items: list[Any], whole_below: tuple[str, ...] | None) -> None:
    def only_value(tree: Any) -> str:
        protected = protect_subtree(tree, KEEPER, whole_below=whole_below)
        return json.dumps(next(iter(protected.values())), allow_nan=False)

    assert only_value({key: items}) == f"[{', '.join(only_value({key: item}) for item in items)}]"


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=5))
def test_a_path_is_protected_as_the_same_keys_in_the_data(segments: list[str]) -> None:
    tree: Any = "leaf"
    for segment in reversed(segments):
        tree = {segment: tree}
    protected = protect(tree, KEEPER)
    path = protect_path(segments, KEEPER)
    node = protected
    for segment in path:
        assert segment in node
        node = node[segment]
    assert protect_path(path, KEEPER) == path
    assert all(not FINGERPRINT_RE.fullmatch(s) or s in path for s in path)
