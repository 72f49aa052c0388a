"""Snapshot files are checked against their documented schema: exit 2 naming the field, never a crash."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from conftest import fidelity, snapshot_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.diff import diff_trees
from fidelity.policy import Policy, RuleSet, build_report
from fidelity.report import RenderOptions, ReportFormat
from fidelity.snapshot import ProbeSnapshot, Snapshot, SnapshotError
from fidelity.snapshot.fileformat import loads, parse, read, to_json

GOOD: dict[str, Any] = {
    "format": "fidelity-snapshot", "version": 1, "environment": "staging",
    "taken_at": "2026-11-27T05:00:00+00:00", "tool_version": "0.2.0", "secret_key_id": "9a0c",
    "probes": {"app": {"type": "config_files", "status": "ok", "error": None,
                       "data": {"app.env": {"LOG_LEVEL": "debug"}},
                       "gaps": [{"object": "s.yaml", "message": "not found", "path": ["s.yaml"]}]}},
}


def diff_files(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD), encoding="utf-8")
    result = fidelity("diff", str(good), str(bad))
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr.strip().splitlines()


def with_change(path: list[str | int], value: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(GOOD))
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "field"), [
    (["environment"], 3, '"environment": expected a string, got number'),
    (["taken_at"], None, '"taken_at": expected a string, got null'),
    (["tool_version"], ["x"], '"tool_version": expected a string, got array'),
    (["secret_key_id"], {}, '"secret_key_id": expected a string, got object'),
    (["probes"], [], '"probes": expected an object, got array'),
    (["version"], 0, '"version": expected a whole number >= 1, got 0'),
    (["version"], -3, '"version": expected a whole number >= 1, got -3'),
    (["version"], 1.5, '"version": expected a whole number >= 1, got 1.5'),
    (["version"], True, '"version": expected a whole number >= 1, got boolean'),
    (["probes", "app", "status"], "weird", '"probes.app.status": expected "ok" or "error"'),
    (["probes", "app", "type"], 1, '"probes.app.type": expected a string, got number'),
    (["probes", "app", "gaps"], {}, '"probes.app.gaps": expected an array, got object'),
    (["probes", "app", "gaps", 0, "path"], [1], '"probes.app.gaps[0].path": expected an array of strings'),
    (["probes", "app", "warnings"], [{"object": 1, "message": "m"}],
     '"probes.app.warnings[0].object": expected a string, got number'),
    # a probe that read its data has an object (a tampered file must not turn into one change)
    (["probes", "app", "data"], None, '"probes.app.data": expected an object for a probe whose status'),
    (["probes", "app", "data"], [1, 2], '"probes.app.data": expected an object for a probe whose status'),
    (["probes", "app", "data"], "s", '"probes.app.data": expected an object for a probe whose status'),
])
def test_a_wrong_field_is_named_and_exits_2(tmp_path: Path, path: list[str | int], value: Any,
                                            field: str) -> None:
    code, lines = diff_files(tmp_path, json.dumps(with_change(path, value)))
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"fidelity: error: {tmp_path / 'bad.json'}: malformed snapshot (field ")
    assert field in lines[0]


@pytest.mark.parametrize(("constant", "field"), [
    ("NaN", '"probes.app.data.app.env.LOG_LEVEL": expected a finite number, got NaN'),
    ("Infinity", '"probes.app.data.app.env.LOG_LEVEL": expected a finite number, got Infinity'),
    ("-Infinity", '"probes.app.data.app.env.LOG_LEVEL": expected a finite number, got -Infinity'),
    ("1e400", '"probes.app.data.app.env.LOG_LEVEL": expected a finite number, got 1e400'),
])
def test_nan_and_infinity_are_refused_naming_the_field(tmp_path: Path, constant: str, field: str) -> None:
    text = json.dumps(with_change(["probes", "app", "data", "app.env", "LOG_LEVEL"], "@@")).replace(
        '"@@"', constant)
    code, lines = diff_files(tmp_path, text)
    assert code == 2
    assert len(lines) == 1, lines
    assert field in lines[0]


def test_an_optional_warnings_list_is_accepted() -> None:
    doc = with_change(["probes", "app", "warnings"], [{"object": "a.env", "message": "duplicate key"}])
    assert parse(doc, Path("s.json")).probes["app"].status == "ok"


def test_data_nested_deeper_than_the_limit_is_refused(tmp_path: Path) -> None:
    deep: Any = "leaf"
    for _ in range(66):  # within the document's limit, past the data's
        deep = {"k": deep}
    code, lines = diff_files(tmp_path, json.dumps(with_change(["probes", "app", "data"], deep)))
    assert code == 2
    assert '"probes.app.data": nested deeper than 64 levels' in lines[0]


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_json_nested_100k_deep_exits_2_without_a_recursion_error(tmp_path: Path, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    code, lines = diff_files(tmp_path, opener * 100_000 + "1" + closer * 100_000)
    assert code == 2
    assert len(lines) == 1, lines
    assert "RecursionError" not in lines[0]
    assert "not a fidelity snapshot" in lines[0]


def test_a_written_snapshot_reads_back(tmp_path: Path) -> None:
    snap = parse(GOOD, Path("s.json"))
    assert parse(json.loads(json.dumps(to_json(snap))), Path("s.json")) == snap


json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) \
    | st.text(max_size=8)
json_trees = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=25)


def load(doc: Any) -> Snapshot | None:
    try:
        return parse(doc, Path("s.json"))
    except SnapshotError:
        return None


@settings(deadline=None)  # the machine may be loaded; what matters is that nothing else is raised
@given(json_trees)
def test_any_json_document_is_a_snapshot_or_a_snapshot_error(doc: Any) -> None:
    load(doc)


@settings(deadline=None)
@given(st.lists(st.sampled_from(["environment", "taken_at", "tool_version", "secret_key_id", "probes",
                                 "version", "format", "app", "type", "status", "error", "data", "gaps",
                                 "warnings", 0, "path", "object", "message"]), min_size=1, max_size=5),
       json_trees)
def test_any_field_of_a_snapshot_replaced_by_any_json(path: list[Any], value: Any) -> None:
    doc: Any = json.loads(json.dumps(GOOD))
    target = doc
    for key in path[:-1]:
        target = target.get(key) if isinstance(target, dict) else target[0] if isinstance(target, list) \
            and target and key == 0 else None
        if not isinstance(target, (dict, list)):
            return
    if isinstance(target, dict):
        target[path[-1]] = value
    load(doc)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(st.binary(max_size=200) | json_trees.map(lambda d: json.dumps(d).encode())
       | st.builds(lambda d: json.dumps({**GOOD, "probes": {"p": {"type": "t", "status": "ok", "data": d}}})
                   .encode(), json_trees))
def test_any_bytes_read_as_a_snapshot_or_a_snapshot_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(raw)
    with contextlib.suppress(SnapshotError):
        read(path)
    with contextlib.suppress(SnapshotError):
        loads(raw, path)


finite_scalars = st.none() | st.booleans() | st.integers() \
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6)
finite_trees = st.recursive(finite_scalars, lambda inner: st.lists(inner, max_size=4)
                            | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=30)


@settings(deadline=None)
@given(finite_trees, finite_trees)
def test_the_diff_of_any_two_json_trees_never_raises(a: Any, b: Any) -> None:
    diff_trees(a, b)
    diff_trees(a, b, secrets_comparable=False)


@settings(deadline=None)
@given(finite_trees, finite_trees)
def test_a_report_of_any_two_snapshots_never_raises_and_is_standard_json(a: Any, b: Any) -> None:
    ref = Snapshot("production", "t", "test", "k", {"p": ProbeSnapshot("fake", "ok", data=a)})
    cand = Snapshot("staging", "t", "test", "k", {"p": ProbeSnapshot("fake", "ok", data=b)})
    report = build_report(ref, [cand], Policy(RuleSet((), dt.date(2026, 11, 27)), (), None, None))
    text = ReportFormat.JSON.reporter().render(report, RenderOptions())
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in a JSON report"))


def test_snapshot_of_helper_still_parses() -> None:
    assert load(to_json(snapshot_of("x", {"a": {"b": 1}}))) is not None


_TREES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5)
    | st.floats(allow_nan=True, allow_infinity=True),
    lambda children: (st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=3), children, max_size=4)),
    max_leaves=40,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TREES, st.integers(min_value=0, max_value=6))
def test_the_cheap_check_agrees_with_the_walk_that_names_the_field(tree: Any, limit: int) -> None:
    from fidelity.snapshot.fileformat import _Invalid, _is_clean, _name_the_fault

    try:
        _name_the_fault(tree, "", limit)
        faulty = False
    except _Invalid:
        faulty = True
    assert _is_clean(tree, limit) is not faulty


def _parsed(doc: Any) -> Snapshot | str:
    try:
        return parse(doc, Path("s.json"))
    except SnapshotError as exc:
        return str(exc)


def _nested(depth: int, leaf: Any) -> Any:
    for _ in range(depth):
        leaf = {"k": leaf}
    return leaf


_FAULTY = st.sampled_from([float("inf"), float("nan"), 1.5, None, "x", [], {}])
_PROBE_DATA = st.one_of(
    _TREES, st.builds(_nested, st.integers(min_value=60, max_value=70), _FAULTY),
    st.builds(lambda d, leaf: {"a": [_nested(d, leaf)]}, st.integers(min_value=60, max_value=70), _FAULTY))
_PROBES = st.dictionaries(st.sampled_from(["app", "db"]), st.one_of(
    st.builds(lambda data, gaps: {"type": "config_files", "status": "ok", "data": data, "gaps": gaps},
              _PROBE_DATA, st.sampled_from([[], [{"object": "o", "message": "m", "path": ["a"]}],
                                            [{"object": "o", "message": "m", "path": [_nested(70, 1)]}],
                                            [{"object": float("inf"), "message": "m"}]])),
    st.builds(lambda data: {"type": "config_files", "status": "ok", "data": data}, _PROBE_DATA),
    _TREES), max_size=2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PROBES, st.sampled_from([None, float("nan"), "staging", _nested(80, 1)]))
def test_one_walk_of_the_data_accepts_and_rejects_as_the_two_walks_do(probes: Any, extra: Any) -> None:
    """Reading walks each probe's data once when the document is clean; any document, clean or not
    (NaN, infinity, too deep at the probe's limit or at the document's), reads to the same snapshot
    or the same message as the full checks (the document's walk, then each probe's data's) give."""
    from fidelity.snapshot import fileformat

    doc = {**GOOD, "probes": probes, "extra": extra}
    once = _parsed(doc)
    with mock.patch.object(fileformat, "_clean_snapshot", return_value=False):  # the full checks only
        assert _parsed(doc) == once


def test_a_clean_snapshot_is_read_with_one_walk_of_its_data() -> None:
    from fidelity.snapshot import fileformat

    doc = {**GOOD, "probes": {"app": {**GOOD["probes"]["app"], "data": _nested(64, 1)}}}
    assert fileformat._clean_snapshot(doc)
    assert not fileformat._clean_snapshot({**doc, "probes": {"app": {**doc["probes"]["app"],
                                                                    "data": _nested(65, 1)}}})
    assert not fileformat._clean_snapshot({**doc, "probes": []})


@pytest.mark.parametrize("text", ["\\ud800", "\\uDFFF", "x\\udc00y", "\\ud83d\\ud83d"])
def test_a_lone_surrogate_is_a_malformed_snapshot_not_a_crash(tmp_path: Path, text: str) -> None:
    """JSON may escape half of a surrogate pair alone; no report can be written with it."""
    raw = json.dumps(with_change(["probes", "app", "data", "app.env", "LOG_LEVEL"], "PLACEHOLDER"))
    code, lines = diff_files(tmp_path, raw.replace("PLACEHOLDER", text))
    assert code == 2
    assert lines == [f"fidelity: error: {tmp_path / 'bad.json'}: malformed snapshot (a string at line 1 "
                     "holds a lone surrogate, which is not Unicode text)"]


def test_a_surrogate_pair_is_the_character_it_encodes(tmp_path: Path) -> None:
    raw = json.dumps(with_change(["probes", "app", "data", "app.env", "LOG_LEVEL"], "PLACEHOLDER"))
    code, lines = diff_files(tmp_path, raw.replace("PLACEHOLDER", "\\ud83d\\ude00"))
    assert lines == []  # read: no error (exit 3 comes from the gap both files record)
    assert code == 3
