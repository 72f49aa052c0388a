"""`fidelity diff` parses only what differs between two snapshot files, and finds exactly what the
engine finds in the parsed trees: the same changes in the same order, the same leaf counts.

Cross-checked on random trees and random edits (values, types, keys added, removed and
reordered, objects becoming lists), on hostile keys and values, and on candidates written in
another layout, which the diff must either read right or hand back to the usual reader."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidelity.diff.compare import compare_snapshots
from fidelity.diff.tree import TreeDiff, diff_trees
from fidelity.diff.unparsed import diff_unparsed
from fidelity.probe import ListHint
from fidelity.snapshot import ProbeSnapshot, Snapshot, SnapshotError, UnparsedData, read, write
from fidelity.snapshot.unparsed import parsed, read_pair, read_unparsed

HINTS = (ListHint("**", key="name"),)
ODD_KEYS = ['a": {', "a\\", "<b>&amp;", "\u2028", '"', "", "é", "🚀", "x,\n", "}", "  ]"]
ODD_VALUES = ['<script>"x"</script>', "{", "[", "a,", "\\", "\n"]
KEYS = st.one_of(st.text(max_size=5), st.sampled_from(ODD_KEYS))
FLOATS = st.sampled_from([1.0, 0.0, -0.0, 1e-05, 2.5])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 2), FLOATS,
                    st.text(max_size=4), st.sampled_from(ODD_VALUES))
TREES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.dictionaries(KEYS, inner, max_size=4),
    st.lists(inner, max_size=3),
    st.lists(st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "c"]), "v": inner}), max_size=3)),
    max_leaves=25)
DATA = st.dictionaries(KEYS, TREES, min_size=1, max_size=5)


def edited(tree: Any, rng: random.Random) -> Any:
    """A copy of `tree` with a few random edits at random depths."""
    if isinstance(tree, dict):
        out = {k: (edited(v, rng) if rng.random() < 0.5 else v) for k, v in tree.items()}
        roll = rng.random()
        if out and roll < 0.1:
            del out[rng.choice(list(out))]
        elif roll < 0.2:
            out[rng.choice(["new", "a", "zz", "é"])] = rng.choice([1, True, "x", {}, [], {"k": 1}])
        elif out and roll < 0.25:
            items = list(out.items())
            rng.shuffle(items)
            out = dict(items)
        return out
    if isinstance(tree, list):
        return [edited(v, rng) for v in tree] if rng.random() < 0.8 else tree[::-1]
    return rng.choice([tree, tree, 1, 1.0, True, 0, False, None, "1", [tree], {"k": tree}])


def files(tmp: Path, reference: dict[str, Any], candidate: dict[str, Any]) -> tuple[Path, Path]:
    paths = []
    for env, data in (("production", reference), ("staging", candidate)):
        path = tmp / f"{env}.json"
        probe = ProbeSnapshot(type="config_files", status="ok", data=data)
        write(Snapshot(env, "2026-01-01T00:00:00+00:00", "0", "k", {"app": probe}), path)
        paths.append(path)
    return paths[0], paths[1]


def both_ways(ref_path: Path, cand_path: Path, **options: Any) -> tuple[TreeDiff | None, TreeDiff]:
    """The unparsed diff's result and the engine's on the parsed trees; the engine's twice when the
    reader parsed a side itself (an empty object, or a candidate laid out otherwise)."""
    ref, cand = read_pair(ref_path, cand_path)
    a, b = ref.probes["app"].data, cand.probes["app"].data
    full = diff_trees(read(ref_path).probes["app"].data, read(cand_path).probes["app"].data, **options)
    if not (isinstance(a, UnparsedData) and isinstance(b, UnparsedData)):
        return full, full
    return diff_unparsed(a, b, **options), full


def rewrite(segments: tuple[str, ...], value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DATA, st.integers(0, 2**32))
def test_the_unparsed_diff_finds_what_the_engine_finds(tmp_path: Path, data: dict[str, Any],
                                                       seed: int) -> None:
    candidate = edited(data, random.Random(seed))
    fast, full = both_ways(*files(tmp_path, data, candidate), hints=HINTS, rewrite=rewrite)
    assert fast == full


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DATA, st.integers(0, 2**32), st.booleans())
def test_snapshots_taken_under_other_keys_compare_as_the_engine_does(tmp_path: Path, data: dict[str, Any],
                                                                   seed: int, comparable: bool) -> None:
    fast, full = both_ways(*files(tmp_path, data, edited(data, random.Random(seed))),
                           secrets_comparable=comparable)
    assert fast == full


def relaid(text: str, rng: random.Random) -> str:
    """The same JSON in another layout: other indents, separators, or one object squeezed."""
    doc = json.loads(text)
    data = doc["probes"]["app"]["data"]
    style = rng.randrange(4)
    if style == 0:
        return json.dumps(doc, indent=2, ensure_ascii=False)
    if style == 1:
        return json.dumps(doc, indent=1, ensure_ascii=True)
    if style == 2:
        return json.dumps(doc, indent=1, separators=(" ,", " : "), ensure_ascii=False)
    inner = [k for k, v in data.items() if isinstance(v, dict) and v]
    if inner:  # one nested object on one line, the rest as fidelity writes it
        key = rng.choice(inner)
        marker = "\x00squeezed\x00"
        squeezed = json.dumps(data[key], ensure_ascii=False)
        data[key] = marker
        return json.dumps(doc, indent=1, ensure_ascii=False).replace(json.dumps(marker), squeezed)
    return json.dumps(doc, ensure_ascii=False)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(DATA, st.integers(0, 2**32))
def test_a_candidate_in_another_layout_is_read_right_or_handed_back(tmp_path: Path, data: dict[str, Any],
                                                                    seed: int) -> None:
    rng = random.Random(seed)
    ref_path, cand_path = files(tmp_path, data, edited(data, rng))
    cand_path.write_text(relaid(cand_path.read_text(encoding="utf-8"), rng) + "\n", encoding="utf-8")
    fast, full = both_ways(ref_path, cand_path, hints=HINTS)
    assert fast in (None, full)


def test_a_reference_in_another_layout_is_read_the_usual_way(tmp_path: Path) -> None:
    ref_path, cand_path = files(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    ref_path.write_text(json.dumps(json.loads(ref_path.read_text()), indent=2) + "\n")
    assert read_unparsed(ref_path.read_bytes(), ref_path, canonical=True) is None
    ref, cand = read_pair(ref_path, cand_path)
    assert ref.probes["app"].data == {"a": {"b": 1}}
    assert cand.probes["app"].data == {"a": {"b": 2}}  # not worth skipping when the reference is parsed


@pytest.mark.parametrize(("reference", "candidate"), [
    ({"t": {"x": 1, "y": 2}}, {"t": {"x": True, "y": 2}}),     # equal to Python inside an equal table
    ({"t": {"x": 1, "y": 2}}, {"t": {"x": True, "y": 3}}),     # ... and beside a real change
    ({"t": {"x": [1, 2]}}, {"t": {"x": [1.0, 2]}}),
    ({"t": {"x": 1}}, {"t": {"x": 1.0}, "u": 1}),
    ({"t": {"x": "é"}}, {"t": {"x": "e\u0301"}}),
])
def test_values_python_calls_equal_are_judged_as_the_engine_judges_them(
        tmp_path: Path, reference: dict[str, Any], candidate: dict[str, Any]) -> None:
    fast, full = both_ways(*files(tmp_path, reference, candidate))
    assert fast is not None
    assert fast == full


def test_a_large_pair_is_compared_without_parsing_its_equal_parts(tmp_path: Path) -> None:
    reference = {f"s{i}": {f"k{j}": j for j in range(200)} for i in range(200)}
    candidate = {s: dict(keys) for s, keys in reference.items()}
    candidate["s17"]["k3"] = "changed"
    candidate["s150"]["k199"] = None
    fast, full = both_ways(*files(tmp_path, reference, candidate))
    assert fast == full
    assert [c.segments for c in fast.changes] == [("s17", "k3"), ("s150", "k199")]
    assert (fast.compared, fast.matched) == (40_000, 39_998)


@pytest.mark.parametrize("bad", ["1e400", "-1e999", "1" * 5000])
def test_an_unreadable_number_where_the_files_differ_is_refused_as_the_usual_reader_refuses_it(
        tmp_path: Path, bad: str) -> None:
    ref_path, cand_path = files(tmp_path, {"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}})
    cand_path.write_text(cand_path.read_text().replace('"c": 3', f'"c": {bad}'))
    ref, cand = read_pair(ref_path, cand_path)
    assert diff_unparsed(ref.probes["app"].data, cand.probes["app"].data) is None
    with pytest.raises(SnapshotError) as usual:
        read(cand_path)
    with pytest.raises(SnapshotError, match=re.escape(str(usual.value))):
        parsed(cand.probes["app"].data)


def test_values_full_of_brackets_do_not_hide_where_an_object_closes(tmp_path: Path) -> None:
    reference = {"t": {f"k{i:03d}": "}" * (i % 5) + "]}" for i in range(100)},
                 "u": {"x": [{"}": "{"}] * 40, "y": 1}, "v": {"z": 1}}
    candidate = json.loads(json.dumps(reference))
    candidate["t"]["k050"] = "}"
    candidate["u"]["y"] = 2
    candidate["v"]["z"] = 2
    fast, full = both_ways(*files(tmp_path, reference, candidate), hints=HINTS)
    assert fast == full
    assert [c.segments for c in fast.changes] == [("t", "k050"), ("u", "y"), ("v", "z")]


def test_the_diff_command_reports_as_when_both_files_are_parsed(tmp_path: Path) -> None:
    """The same report, byte for byte, from the command and from both snapshots parsed in full."""
    from fidelity.config import default_config
    from fidelity.model.report_json import report_to_dict
    from fidelity.policy import build_report, policy_from

    reference = {f"s{i}": {"plain": i, "html": f"<b>{i}</b>", "list": [{"name": "a", "v": i}]}
                 for i in range(50)}
    candidate = json.loads(json.dumps(reference))
    candidate["s3"]["html"] = "<script>alert(1)</script>"
    candidate["s7"]["list"].append({"name": "b", "v": 0})
    del candidate["s9"]["plain"]
    ref_path, cand_path = files(tmp_path, reference, candidate)
    out = tmp_path / "report.json"
    assert fidelity("diff", str(ref_path), str(cand_path), "--format", "json", "-o", str(out)).returncode == 1
    expected = build_report(read(ref_path), [read(cand_path)], policy_from(default_config(), None))
    ours = json.loads(out.read_text())
    theirs = json.loads(json.dumps(report_to_dict(expected), default=str))
    ours.pop("generated_at"), theirs.pop("generated_at")
    assert ours == theirs
    found = sorted(f["path"] for f in ours["comparisons"][0]["findings"])
    assert found == ["app/s3/html", "app/s7/list/b", "app/s9/plain"]


@pytest.mark.parametrize("bad", ["1e400", "1" * 5000])
def test_a_bad_number_where_the_files_differ_is_the_same_one_line_error(tmp_path: Path, bad: str) -> None:
    ref_path, cand_path = files(tmp_path, {"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}})
    cand_path.write_text(cand_path.read_text().replace('"c": 3', f'"c": {bad}'))
    with pytest.raises(SnapshotError) as usual:
        read(cand_path)
    result = fidelity("diff", str(ref_path), str(cand_path))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"fidelity: error: {usual.value}"]


def test_a_probe_named_twice_is_read_as_the_usual_reader_reads_it(tmp_path: Path) -> None:
    ref_path, cand_path = files(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    for path in (ref_path, cand_path):
        text = path.read_text()
        entry = text[text.index('  "app": {'):text.rindex("\n  }") + 4]
        path.write_text(text.replace(entry, entry.replace('"b": ', '"c": ') + ",\n" + entry))
    ref, cand = read_pair(ref_path, cand_path)
    a, b = ref.probes["app"].data, cand.probes["app"].data
    assert parsed(a) == read(ref_path).probes["app"].data == {"a": {"b": 1}}
    assert diff_unparsed(a, b) == diff_trees(parsed(a), parsed(b))


@pytest.mark.parametrize("edit", ["every value", "every last key renamed"])
def test_when_most_of_the_data_differs_the_trees_are_left_to_the_usual_reader(tmp_path: Path,
                                                                               edit: str) -> None:
    """Walking a differing member costs about ten times what parsing it does: past a budget the
    unparsed diff gives up (None), and the caller parses both trees, as before this reader."""
    def tree(depth: int, salt: str) -> Any:
        if depth == 0:
            return {f"k{i}": f"v{i}" for i in range(6)}
        return {f"c{i}": tree(depth - 1, salt) for i in range(5)} | {f"last{salt}": depth}

    if edit == "every value":
        reference = {f"s{i}": {f"k{j}": j for j in range(100)} for i in range(60)}
        candidate = {s: {k: -v for k, v in keys.items()} for s, keys in reference.items()}
    else:
        reference, candidate = tree(5, "a"), tree(5, "b")
    ref_path, cand_path = files(tmp_path, reference, candidate)
    ref, cand = read_pair(ref_path, cand_path)
    a, b = ref.probes["app"].data, cand.probes["app"].data
    assert isinstance(a, UnparsedData)
    assert isinstance(b, UnparsedData)
    assert diff_unparsed(a, b) is None
    found = compare_snapshots(ref, cand, lambda name: None, lambda path, kind: None)
    expected = diff_trees(reference, candidate)
    assert len(found.changes) == len(expected.changes)
    assert (found.compared, found.matched) == (expected.compared, expected.matched)
