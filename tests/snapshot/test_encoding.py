"""Snapshot files are read and written in C (msgspec), byte for byte as the stdlib read and wrote them.

Snapshots written before this change (the demo's golden files) still load, write back to the same
bytes, and diff to the same report (tests/golden checks the report).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidelity.snapshot import SnapshotError, read, to_json
from fidelity.snapshot.fileformat import DOCUMENT_DEPTH, encode, indented_json, loads, parse

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "demo"
PRE_CHANGE = sorted(GOLDEN.glob("snapshot-*.json"))


def outcome(write: Callable[[Any], bytes], doc: Any) -> bytes | type[Exception]:
    try:
        return write(doc)
    except UnicodeEncodeError as exc:  # a lone surrogate: never written, as before
        return type(exc)


def stdlib(doc: Any) -> bytes:
    """What the snapshot writer wrote before it used msgspec (the file was UTF-8, strictly)."""
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


FLOATS = st.one_of(st.floats(), st.sampled_from([1e-05, 5e-324, 1e16, 1e22, 123456789012345680.0, -0.0,
                                                 0.0001, 1.7976931348623157e308, 2.5e-7, 1e100]))
KEYS = st.one_of(st.text(max_size=6), st.integers(), FLOATS, st.booleans(), st.none())
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63), FLOATS,
                   st.text(), st.sampled_from(["\ud800", "\u2028<b>&amp;</b>\x7f\x00\x1f\"\\", "🚀"]))
DOCS = st.recursive(LEAVES, lambda children: st.one_of(st.lists(children, max_size=4),
                                                       st.tuples(children, children),
                                                       st.dictionaries(KEYS, children, max_size=4)),
                    max_leaves=40)


@settings(max_examples=500, deadline=None)
@given(DOCS)
def test_any_document_is_written_as_the_stdlib_wrote_it(doc: Any) -> None:
    assert outcome(encode, {"data": doc}) == outcome(stdlib, {"data": doc})


@settings(max_examples=300, deadline=None)
@given(DOCS, st.sampled_from([1, 2, 4]))
def test_the_fast_writer_gives_the_stdlib_text_at_any_indent_or_declines(doc: Any, indent: int) -> None:
    """The JSON report (indent 2) is written by the same fast path: it writes the stdlib's bytes,
    or says None and leaves the document to the stdlib."""
    fast = indented_json({"report": doc}, indent)
    if fast is not None:
        assert fast == json.dumps({"report": doc}, indent=indent, ensure_ascii=False).encode("utf-8")


def test_deep_documents_are_written_as_the_stdlib_wrote_them() -> None:
    deep: Any = [1.5e-05]
    for _ in range(DOCUMENT_DEPTH + 2):
        deep = {"k": deep}
    assert encode(deep) == stdlib(deep)


JSON_TEXT = st.one_of(
    DOCS.map(lambda d: json.dumps(d, ensure_ascii=False)).map(lambda t: t.encode("utf-8", "surrogatepass")),
    DOCS.map(lambda d: json.dumps(d, indent=1, ensure_ascii=True).encode()),
    st.binary(max_size=40),
    st.sampled_from([b"[NaN]", b"1e400", b'"\\ud800"', b"\xef\xbb\xbf{}", b'{"a":1,"a":2}', b"[1,]",
                     b"123456789012345678901234567890", b'"\xed\xa0\x80"', b" [-0, -0.0, 1E+2] "]),
)


def _stdlib_loads(raw: bytes) -> Any:
    from fidelity.snapshot.fileformat import _finite_float, _NotFinite

    return json.loads(raw, parse_constant=_NotFinite, parse_float=_finite_float)


def _same(a: Any, b: Any) -> bool:
    """Equal, with the same types all the way down (so 1 is not 1.0 and -0.0 is not 0.0), NaN aside."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a).__name__ == "_NotFinite":
        return bool(a.text == b.text)
    return bool(a == b)


@settings(max_examples=500, deadline=None)
@given(JSON_TEXT)
def test_any_bytes_decode_as_the_stdlib_decoded_them(raw: bytes) -> None:
    try:
        expected: Any = _stdlib_loads(raw)
    except (ValueError, RecursionError) as exc:
        expected = type(exc)
    path = Path("x.json")
    try:
        mine: Any = loads(raw, path)
    except SnapshotError:
        assert isinstance(expected, type)  # refused by both
        return
    assert _same(mine, expected)


@pytest.mark.parametrize("path", PRE_CHANGE, ids=lambda p: p.name)
def test_a_snapshot_written_before_the_change_loads_and_writes_back_the_same_bytes(path: Path) -> None:
    raw = path.read_bytes()
    snapshot = read(path)
    assert snapshot.probes
    assert _same(loads(raw, path), _stdlib_loads(raw))
    assert encode(to_json(snapshot)) == raw
    assert parse(json.loads(raw), path) == snapshot


def test_the_pre_change_snapshots_are_there() -> None:
    assert [p.name for p in PRE_CHANGE] == ["snapshot-production.json", "snapshot-staging.json"]
    assert sys.version_info >= (3, 10)
