"""The snapshot writer trusts probe data that the protecting walk found plain, instead of walking it
again, and writes exactly the bytes it wrote when it walked everything (those of `json.dumps`).

Whatever a probe returns (floats of every size, subclasses of the JSON types, tuples, dates, keys
that are not strings, subtrees it protected itself), the file is the same, and the walk says "plain"
only for data of exact JSON types whose floats every JSON writer writes alike.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fidelity.redact import SecretKeeper
from fidelity.redact.subtree import SubtreeProtector
from fidelity.redact.tree import TreeTooDeep, protect, protect_checked
from fidelity.snapshot import ProbeSnapshot, Snapshot, to_json
from fidelity.snapshot.fileformat import encode

KEEPER = SecretKeeper(b"checked data tests")
DEPTH = 20


class Level(enum.IntEnum):
    LOW = 1


class Ratio(float):
    pass


class Name(str):
    pass


FLOATS = st.one_of(st.floats(), st.sampled_from([1e-05, 5e-324, 1e16, 1e22, -0.0, 0.0001, 2.5e-7, 1.5]),
                   st.floats(allow_nan=False, allow_infinity=False).map(Ratio))
KEYS = st.one_of(st.text(max_size=6), st.sampled_from(["password", "dsn", Name("name")]), st.integers(),
                 st.booleans(), st.none())
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.just(Level.LOW), FLOATS, st.text(max_size=8),
                   st.sampled_from(["postgres://u:pw@h/db", Name("x"), dt.date(2024, 1, 2)]))
TREES = st.recursive(LEAVES, lambda children: st.one_of(st.lists(children, max_size=4),
                                                        st.tuples(children, children),
                                                        st.dictionaries(KEYS, children, max_size=4)),
                     max_leaves=30)


def stdlib(doc: Any) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def written(data: Any, checked: bool) -> bytes:
    part = ProbeSnapshot(type="t", status="ok", data=data, checked=checked)
    snap = Snapshot(environment="e", taken_at="2024-01-01T00:00:00+00:00", tool_version="0",
                    secret_key_id="k", probes={"p": part})
    return encode(to_json(snap), {id(data)} if checked else ())


@settings(max_examples=400, deadline=None)
@given(TREES, st.lists(TREES, max_size=3), st.booleans())
def test_data_found_plain_is_written_as_when_it_was_walked(tree: Any, subtrees: list[Any],
                                                           nest: bool) -> None:
    protector = SubtreeProtector(KEEPER, max_depth=DEPTH)  # shallow enough to be kept as they are
    try:
        marked = [protector.protect(sub, ("schema", str(i))) for i, sub in enumerate(subtrees)]
    except TreeTooDeep:
        assume(False)
    data = {"schema": {str(i): sub for i, sub in enumerate(marked)}, "other": tree} if nest else tree
    out, plain = protect_checked(data, KEEPER)
    assert out == protect(data, KEEPER)
    walked = written(out, checked=False)
    assert walked == stdlib(json.loads(walked))  # the reference: as the stdlib writes it
    assert written(out, checked=plain) == walked


def test_only_exact_json_types_and_alike_floats_are_plain() -> None:
    for value in ({"a": [1, "x", None, True, 1.5, 0.0, -0.0, 1e-4, 9.9e15]}, ("a", 2), {"k": ("v",)}):
        assert protect_checked(value, KEEPER)[1], value
    for value in (1e-05, 1e16, float("nan"), Ratio(1.5), Level.LOW, Name("x"), {1: "a"}, {Name("k"): 1},
                  dt.date(2024, 1, 2), {"a": [{"b": 5e-324}]}):
        assert not protect_checked(value, KEEPER)[1], value


def test_a_protected_subtree_carries_what_its_walk_found() -> None:
    protector = SubtreeProtector(KEEPER, max_depth=DEPTH)
    fine = protector.protect({"c": 1.5}, ("t",))
    assert protect_checked({"t": fine}, KEEPER)[1]
    odd = protector.protect({"c": 1e-9}, ("t",))
    assert not protect_checked({"t": odd}, KEEPER)[1]
