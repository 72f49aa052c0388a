"""Hostile files for the unparsed diff, from an adversarial review: inputs where `fidelity diff` once
parted from the usual reader. Each test states what the usual reader does; each failed on the first
version of the unparsed reader (fbeac11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import fidelity

from fidelity.diff.tree import diff_trees
from fidelity.diff.unparsed import diff_unparsed
from fidelity.snapshot import ProbeSnapshot, Snapshot, SnapshotError, read, write
from fidelity.snapshot.unparsed import read_pair


def snapshot(path: Path, env: str, probes: dict[str, tuple[str, str, Any]]) -> Path:
    write(Snapshot(env, "2026-01-01T00:00:00+00:00", "0", "k",
                   {name: ProbeSnapshot(type=kind, status=status, data=data,
                                        error=None if status == "ok" else "failed")
                    for name, (kind, status, data) in probes.items()}), path)
    return path


def pair(tmp: Path, ref_data: Any, cand_data: Any) -> tuple[Path, Path]:
    return (snapshot(tmp / "ref.json", "production", {"app": ("config_files", "ok", ref_data)}),
            snapshot(tmp / "cand.json", "staging", {"app": ("config_files", "ok", cand_data)}))


def usual_error(path: Path) -> str:
    with pytest.raises(SnapshotError) as usual:
        read(path)
    return f"fidelity: error: {usual.value}"


def assert_refused_as_usual(ref: Path, cand: Path, faulty: Path) -> None:
    result = fidelity("diff", str(ref), str(cand), "--format", "json")
    assert (result.returncode, result.stderr.strip().splitlines()[-1:]) == (2, [usual_error(faulty)])


# -- (1) a different TreeDiff ---------------------------------------------------------------------

def test_a_repeated_key_is_compared_repeat_by_repeat_as_documented(tmp_path: Path) -> None:
    """The usual reader keeps the last value of a repeated key: {"x": 1, "x": 2} and {"x": 3, "x": 2}
    are both {"x": 2}, equal. No file fidelity writes repeats a key, and finding repeats would cost
    a full parse, so the unparsed diff compares each repeat where the bytes differ: x: 1 -> 3, with
    both repeats counted (docs/formats.md, "How `fidelity diff` reads two files")."""
    ref, cand = pair(tmp_path, {"x": 1, "y": 2}, {"x": 3, "y": 2})
    for path in (ref, cand):
        path.write_bytes(path.read_bytes().replace(b'"y": 2', b'"x": 2'))
    a, b = (s.probes["app"].data for s in read_pair(ref, cand))
    full = diff_trees(read(ref).probes["app"].data, read(cand).probes["app"].data)
    assert full.changes == ()
    found = diff_unparsed(a, b)
    assert found is not None
    assert [(c.segments, c.reference, c.candidate) for c in found.changes] == [(("x",), 1, 3)]
    assert (found.compared, found.matched) == (2, 1)


# -- (2) malformed files accepted -----------------------------------------------------------------

@pytest.mark.parametrize("where", ["reference", "candidate"])
@pytest.mark.parametrize("bad", ["1e400", "1" * 5000, "[" * 80 + "]" * 80])
def test_a_bad_value_in_a_field_the_reader_does_not_know_is_refused(tmp_path: Path, where: str,
                                                                    bad: str) -> None:
    """read() checks the whole document (finite numbers, 4300 digits, 70 levels), unknown fields too;
    read_unparsed's msgspec Structs skip unknown fields unchecked."""
    ref, cand = pair(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    faulty = ref if where == "reference" else cand
    faulty.write_text(faulty.read_text().replace(' "version": 1,', f' "version": 1,\n "x": {bad},'))
    assert_refused_as_usual(ref, cand, faulty)


@pytest.mark.parametrize("case", ["only in the reference", "only in the candidate", "failed in the candidate",
                                  "of another type in the candidate"])
@pytest.mark.parametrize("bad", ["1e400", "9" * 5000])
def test_bad_data_of_a_probe_that_is_not_compared_is_refused(tmp_path: Path, case: str, bad: str) -> None:
    """A probe's data that the diff never reaches (a probe on one side only, failed, or of another type)
    stays UnparsedData and is never checked; the usual reader refuses the file (exit 2)."""
    app = ("config_files", "ok", {"a": {"b": 1}})
    other = ("config_files", "ok", {"z": {"q": 123456789}})
    ref_probes: dict[str, tuple[str, str, Any]] = {"app": app}
    cand_probes: dict[str, tuple[str, str, Any]] = {"app": ("config_files", "ok", {"a": {"b": 2}})}
    if case == "only in the reference":
        ref_probes["p"] = other
    elif case == "only in the candidate":
        cand_probes["p"] = other
    else:
        ref_probes["p"] = ("config_files", "ok", {"z": {"q": 1}})
        cand_probes["p"] = (("config_files", "error", other[2]) if case == "failed in the candidate"
                            else ("other_type", "ok", other[2]))
    ref = snapshot(tmp_path / "ref.json", "production", ref_probes)
    cand = snapshot(tmp_path / "cand.json", "staging", cand_probes)
    faulty = ref if case == "only in the reference" else cand
    faulty.write_text(faulty.read_text().replace("123456789", bad))
    assert_refused_as_usual(ref, cand, faulty)


def test_a_candidate_probe_nested_too_deep_is_refused_when_not_compared(tmp_path: Path) -> None:
    """The candidate's depth is read from nowhere (canonical=False): data the diff never parses is
    never depth-checked."""
    deep: Any = 0
    for _ in range(80):
        deep = {"d": deep}
    ref, cand = pair(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    doc = json.loads(cand.read_text())
    doc["probes"]["new"] = {"type": "config_files", "status": "ok", "error": None, "data": deep, "gaps": []}
    cand.write_text(json.dumps(doc, indent=1) + "\n")
    assert_refused_as_usual(ref, cand, cand)


def test_with_faults_in_both_files_the_reference_is_named(tmp_path: Path) -> None:
    """The usual reader reads the reference first and names its fault."""
    ref = snapshot(tmp_path / "ref.json", "production", {
        "app1": ("config_files", "ok", {"a": {"b": 1}}), "app2": ("config_files", "ok", {"a": {"c": 111}})})
    cand = snapshot(tmp_path / "cand.json", "staging", {
        "app1": ("config_files", "ok", {"a": {"b": 222}}), "app2": ("config_files", "ok", {"a": {"c": 2}})})
    ref.write_text(ref.read_text().replace("111", "1e400"))
    cand.write_text(cand.read_text().replace("222", "1e400"))
    assert_refused_as_usual(ref, cand, ref)


# -- (3) internal errors --------------------------------------------------------------------------

def test_a_long_integer_in_compact_candidate_data_is_refused_not_a_crash(tmp_path: Path) -> None:
    """Data not starting with "{\\n" is json.loads'ed in _Spans.probe, whose ValueError escapes."""
    ref, cand = pair(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    text = cand.read_text()
    start, end = text.index('"data": {') + 8, text.index("\n   }", text.index('"data": {')) + 5
    cand.write_text(text[:start] + '{"a": {"b": ' + "1" * 5000 + "}}" + text[end:])
    assert_refused_as_usual(ref, cand, cand)


def test_a_long_integer_as_the_data_of_a_failed_probe_is_refused_not_a_crash(tmp_path: Path) -> None:
    ref = snapshot(tmp_path / "ref.json", "production", {"app": ("config_files", "error", None)})
    ref.write_text(ref.read_text().replace('"data": null', '"data": ' + "1" * 5000))
    cand = snapshot(tmp_path / "cand.json", "staging", {"app": ("config_files", "ok", {"a": 1})})
    assert_refused_as_usual(ref, cand, ref)


@pytest.mark.parametrize("where", ["reference", "candidate"])
@pytest.mark.parametrize("depth", [990, 3000])
def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path, where: str, depth: int) -> None:
    """msgspec raises RecursionError (not DecodeError) past its depth; read_unparsed catches only
    DecodeError and ValidationError, and `parsed` only ValueError."""
    ref, cand = pair(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    faulty = ref if where == "reference" else cand
    faulty.write_text(faulty.read_text().replace(' "version": 1,',
                                                 f' "version": 1,\n "x": {"[" * depth}{"]" * depth},'))
    assert_refused_as_usual(ref, cand, faulty)


# -- files read twice -----------------------------------------------------------------------------

def test_a_reference_in_another_layout_can_be_given_through_a_pipe(tmp_path: Path) -> None:
    """`fidelity diff <(zcat ref.json.gz) <(zcat cand.json.gz)`: read_unparsed drains the pipe, gives
    None (not the canonical layout), and `read` then reads an empty pipe: 'invalid JSON at line 1'."""
    ref, cand = pair(tmp_path, {"a": {"b": 1}}, {"a": {"b": 2}})
    ref.write_text(json.dumps(json.loads(ref.read_text()), indent=2) + "\n")
    read_end, write_end = os.pipe()

    def feed() -> None:
        with open(write_end, "wb") as out:
            out.write(ref.read_bytes())

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        result = subprocess.run([sys.executable, "-m", "fidelity", "diff", f"/dev/fd/{read_end}", str(cand),
                                 "--format", "json"], capture_output=True, text=True, timeout=60, check=False,
                                pass_fds=(read_end,),
                                env={k: v for k, v in os.environ.items() if k != "FIDELITY_CONFIG"})
    finally:
        os.close(read_end)
        writer.join(timeout=10)
    assert result.returncode == 0, result.stderr
