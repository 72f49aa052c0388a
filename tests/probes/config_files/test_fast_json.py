"""config_files reads JSON with msgspec only where that gives exactly what the standard library gives.

The reference is `parse("json", ...)` (json.loads, and its second, line-counting read when a key
is written twice): `read_json` must give the same tree (types, key order, floats to the bit, ints of
any size), the same duplicate keys with the same lines, and the same error message, on random
documents written in many ways and on hostile ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity, two_env_config
from hypothesis import given, settings
from hypothesis import strategies as st

from probes.config_files.fast_json import read_json
from probes.config_files.formats import Duplicate, FormatError, parse
from tests.support.exact import same

KEYS = st.one_of(st.sampled_from(["a", "b", "name", "a:b", ":", "url", "é", "😀", ""]), st.text(max_size=6))
TEXTS = st.one_of(st.sampled_from(["x", "a:b", "http://h:1/x", ":", "", "\u2028", "é😀", '"q"']),
                  st.text(max_size=10))
#: JSON numbers as written: big ints, many digits, exponents near and past a float's range.
NUMBERS = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.builds(lambda sign, whole, frac, exp: f"{sign}{whole}{frac}{exp}",
              st.sampled_from(["", "-"]),
              st.one_of(st.just("0"), st.from_regex(r"[1-9][0-9]{0,25}", fullmatch=True)),
              st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,30}", fullmatch=True)),
              st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,3}", fullmatch=True))),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "2.2250738585072011e-308",
                     "9007199254740993", "1.7976931348623157e308", "1.7976931348623159e308", "-0", "-0.0"]),
)
SCALARS = st.one_of(st.sampled_from(["true", "false", "null"]), NUMBERS, TEXTS.map(lambda t: ("s", t)))
DOCS = st.recursive(SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4).map(lambda items: ("list", items)),
    st.lists(st.tuples(KEYS, children), max_size=4).map(lambda pairs: ("dict", pairs))), max_leaves=25)
SPACE = st.sampled_from(["", " ", "\n", "  \n\t", "\r\n "])


def write(doc: Any, draw: Any) -> str:
    """A document as text: whitespace anywhere it may go, and strings escaped in several ways."""
    space = draw(SPACE)
    if isinstance(doc, str):
        return doc
    kind, body = doc
    if kind == "s":
        return string(body, draw)
    if kind == "list":
        return "[" + space + ("," + draw(SPACE)).join(write(item, draw) for item in body) + draw(SPACE) + "]"
    pairs = [string(key, draw) + draw(SPACE) + ":" + draw(SPACE) + write(value, draw) for key, value in body]
    return "{" + space + ("," + draw(SPACE)).join(pairs) + draw(SPACE) + "}"


def string(text: str, draw: Any) -> str:
    how = draw(st.sampled_from(["plain", "ascii", "every", "colons"]))
    if how == "every":  # every character as a \\u escape (surrogate pairs for the rest)
        units = text.encode("utf-16-be", "surrogatepass")
        return '"' + "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}" for i in range(0, len(units), 2)) + '"'
    written = json.dumps(text, ensure_ascii=how == "ascii")
    return written.replace(":", "\\u003A") if how == "colons" else written



def check(text: str) -> None:
    """`read_json` gives what the standard library gives: tree, duplicates, or error."""
    expected_dups: list[Duplicate] = []
    got_dups: list[Duplicate] = []
    try:
        expected = parse("json", text, "f.json", expected_dups, walked_by_caller=True)
    except FormatError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        with pytest.raises(FormatError) as raised:
            read_json(text, "f.json", got_dups)
        assert str(raised.value) == message
        return
    got, survey = read_json(text, "f.json", got_dups)
    assert same(got, expected)
    assert got_dups == expected_dups
    if survey is not None:
        assert not expected_dups


@settings(max_examples=1500, deadline=None)
@given(doc=DOCS, data=st.data())
def test_any_document_reads_as_the_standard_library_reads_it(doc: Any, data: st.DataObject) -> None:
    check(data.draw(SPACE) + write(doc, data.draw) + data.draw(SPACE))


@settings(max_examples=500, deadline=None)
@given(pairs=st.lists(st.tuples(KEYS, SCALARS), min_size=1, max_size=6), data=st.data())
def test_a_key_written_twice_is_always_told(pairs: list[tuple[str, Any]], data: st.DataObject) -> None:
    again = data.draw(st.sampled_from(pairs))
    doc = ("dict", [*pairs, again] if data.draw(st.booleans()) else [again, *pairs])
    nested = ("dict", [("outer", doc), ("x", ("s", "a:b:c")), ("y", ("list", [("s", ":" * 5)]))])
    check(write(nested, data.draw))


@pytest.mark.parametrize("text", [
    '{"a": 1, "a": 2}', '{"a:b": "c:d", "a:b": 1}', '{"x": "::::", "k": 1, "k": 2}',
    '{"k\\u003a": 1, "k\\u003a": 2, "z": ":"}', '{"a": {"b": 1, "b": 2}, "c": "http://h:1"}',
    '[{"a": 1}, {"a": 1, "a": 1}]', '{"\\\\u003a": ":", "k": 1, "k": 2}',
    '{"a": NaN, "b": Infinity, "c": -Infinity}', '[1e400, -1e400, 1e-400]', '"\\ud800"', '["\\udc00x"]',
    '["\\ud83d\\ude80"]', '123456789012345678901234567890123', '"text"', '\ufeff{}', '{"a": 1,}', "[1, 2",
    "{'a': 1}", '["a\tb"]', "[" * 59 + "]" * 59, "[" * 61 + "1" + "]" * 61, "[" * 3000 + "]" * 3000,
    '{"a": 1}\n', "", "  ", '["\\/", "\\b\\f\\n\\r\\t", "\\u0000"]', '{"": ""}', "[0.1, 1.0, -0.0, 5e-324]",
])
def test_hostile_documents_read_as_the_standard_library_reads_them(text: str) -> None:
    check(text)


def test_a_large_document_is_read_by_msgspec_and_surveyed() -> None:
    tree = {f"s{s}": {f"k{k}": [k, f"h{s}:{k}", k / 7, True, None] for k in range(20)} for s in range(50)}
    text = json.dumps(tree, indent=2)
    got, survey = read_json(text, "f.json", [])
    assert same(got, tree)
    assert survey is not None
    assert survey.key_count == 50 * 21


def test_a_snapshot_of_a_kept_json_file_is_written_as_the_stdlib_writes_it(tmp_path: Path) -> None:
    # msgspec writes 1e16 and 0.00001 where the stdlib writes 1e+16 and 1e-05; a file kept without
    # the protecting walk must still tell the snapshot writer about such floats.
    (tmp_path / "production").mkdir()
    (tmp_path / "production" / "settings.json").write_text(
        json.dumps({"s": {f"k{k}": f"host-{k}.internal" for k in range(50)},
                    "limits": [1e16, -1e300, 1e-05, 2.5e-07, 5e-324, 0.5]}), encoding="utf-8")
    (tmp_path / "fidelity.toml").write_text(two_env_config('["{env}/settings.json"]'))
    out = tmp_path / "snap.json"
    result = fidelity("snapshot", "-c", "fidelity.toml", "--env", "production", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = out.read_text(encoding="utf-8")
    assert written == json.dumps(json.loads(written), indent=1, ensure_ascii=False) + "\n"
    assert all(f" {number},\n" in written for number in ("1e+16", "-1e+300", "1e-05", "2.5e-07", "5e-324"))
