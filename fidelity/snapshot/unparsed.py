"""Reading a snapshot file for `fidelity diff` without parsing its probes' data.

Two snapshots of environments that mirror each other hold mostly the same bytes. A snapshot file
is canonical JSON (`json.dumps(indent=1)` layout: one scalar per line, each container's members
one space deeper than it), so the parts that are byte-equal in both files need not be parsed at
all: the diff (`fidelity.diff.unparsed`) compares the texts and parses only what differs. This
module reads a file that far: the header is parsed and checked as `read` checks it, and each
probe's data object is kept as its text, `UnparsedData`, after the checks that hold for the whole
file (UTF-8, JSON syntax, nesting depth, no lone surrogate). Whatever is unusual about a file
(another layout, escaped surrogates, a header msgspec cannot type) makes `read_unparsed` give
None, and the caller reads the file the usual way, which names any fault exactly.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import msgspec

from fidelity.snapshot.fileformat import escaped_surrogate, parse, parsed, read, read_bytes, read_file
from fidelity.snapshot.model import Snapshot, SnapshotError, UnparsedData
from fidelity.snapshot.take import MAX_DEPTH

#: Deepest indentation a data member may have: the data object is three levels into the document.
_TOO_DEEP = b"\n" + b" " * (MAX_DEPTH + 4)


def read_pair(reference: Path, candidate: Path) -> tuple[Snapshot, Snapshot]:
    """Two snapshot files to diff, each read once (either may be a pipe). The probes that the diff
    compares unparsed (on both sides, of one type, both ok, with an `assess` that does not read the
    trees: `Probe.assess_reads_data`) keep their data as text; every other part is parsed and
    checked as `read` checks it, the reference first, so that a fault is named as `read` names it."""
    ref_raw = read_file(reference)
    ref = read_unparsed(ref_raw, reference, canonical=True)
    if ref is None:
        return read_bytes(ref_raw, reference), read(candidate)
    cand_raw = read_file(candidate)
    cand = read_unparsed(cand_raw, candidate, canonical=False, first=(ref_raw, reference))
    if cand is None:
        return read_bytes(ref_raw, reference), read_bytes(cand_raw, candidate)
    unparsed = _compared_unparsed(ref, cand)
    return _parse_others(ref, unparsed), _parse_others(cand, unparsed)


def _compared_unparsed(reference: Snapshot, candidate: Snapshot) -> set[str]:
    """The probes the diff compares unparsed."""
    from fidelity.probe import registry

    names = set()
    for name, ours in reference.probes.items():
        theirs = candidate.probes.get(name)
        cls = registry.get(ours.type)
        if (theirs is not None and theirs.type == ours.type and ours.status == theirs.status == "ok"
                and type(ours.data) is UnparsedData and type(theirs.data) is UnparsedData
                and cls is not None and not cls.assess_reads_data):
            names.add(name)
    return names


def _parse_others(snapshot: Snapshot, unparsed: set[str]) -> Snapshot:
    probes = {name: p if name in unparsed or type(p.data) is not UnparsedData else
              dataclasses.replace(p, data=parsed(p.data)) for name, p in snapshot.probes.items()}
    return dataclasses.replace(snapshot, probes=probes)


def read_unparsed(raw: bytes, path: Path, canonical: bool, first: tuple[bytes, Path] | None = None
                  ) -> Snapshot | None:
    """A snapshot file's bytes with each probe's data object unparsed, or None when the file is not
    one this reader takes (the caller then reads it the usual way). `canonical` asks for the checks
    that make the file's lines trustworthy (the layout, and nesting read from the indentation): the
    diff trusts the reference's lines, and checks what it reads of the candidate's as it goes.
    `first`: the file to read the usual way first when this one's data fails a check (`parsed`)."""
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if escaped_surrogate(raw) or (canonical and raw.find(_TOO_DEEP) != -1):
        return None
    try:
        if canonical:
            formatted = msgspec.json.format(raw, indent=1)
            if len(formatted) + 1 != len(raw) or not raw.startswith(formatted) or raw[-1:] != b"\n":
                return None
            del formatted
        doc = msgspec.json.decode(raw, type=_Document)  # also checks the JSON syntax of the whole file
        skeleton = _fields(doc, _HEADER)
        if doc.probes is not msgspec.UNSET:
            found = _Spans(raw, path, canonical, first)
            skeleton["probes"] = {name: found.probe(name, p) for name, p in doc.probes.items()}
        return parse(skeleton, path)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, ValueError, SnapshotError,
            _Unlocated):  # ValueError: data that is not an object, with an integer json refuses
        return None


_HEADER = ("format", "version", "environment", "taken_at", "tool_version", "secret_key_id")
_PROBE = ("type", "status", "error", "gaps", "warnings")


def _fields(struct: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(struct, name) for name in names if getattr(struct, name) is not msgspec.UNSET}


class _Spans:
    """Finds each probe's data in the file's bytes, in file order, so that `UnparsedData` points
    into them instead of holding a copy (copying tens of MB costs more than finding them)."""

    def __init__(self, raw: bytes, path: Path, canonical: bool, first: tuple[bytes, Path] | None) -> None:
        self.raw, self.path, self.canonical, self.first = raw, path, canonical, first
        self.cursor = 0

    def probe(self, name: str, p: Any) -> dict[str, Any]:
        fields = _fields(p, _PROBE)
        if p.data is not msgspec.UNSET:
            data: msgspec.Raw = p.data
            size = len(memoryview(data))
            if bytes(memoryview(data)[:2]) != b"{\n":
                fields["data"] = json.loads(bytes(data))
            else:
                start = self.find(data, size)
                fields["data"] = UnparsedData(self.raw, start, start + size, self.path, name, self.canonical,
                                              self.first)
        return fields

    def find(self, data: msgspec.Raw, size: int) -> int:
        """Where `data` starts in the file: found by its first bytes, and checked whole. (Another
        copy of the same bytes would do as well: it is the same text.)"""
        head = bytes(memoryview(data)[:256])
        for origin in (self.cursor, 0):  # from the top again when a probe's name is repeated
            at = self.raw.find(head, origin)
            while at != -1 and not self.raw.startswith(data, at):
                at = self.raw.find(head, at + 1)
            if at != -1:
                self.cursor = at + size
                return at
        raise _Unlocated


class _Unlocated(Exception):
    """A probe's data was not found in the file's bytes (it always is: msgspec's raw text is a
    slice of them); the file is then read the usual way."""


class _Probe(msgspec.Struct, forbid_unknown_fields=True):
    type: Any | msgspec.UnsetType = msgspec.UNSET
    status: Any | msgspec.UnsetType = msgspec.UNSET
    error: Any | msgspec.UnsetType = msgspec.UNSET
    data: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    gaps: Any | msgspec.UnsetType = msgspec.UNSET
    warnings: Any | msgspec.UnsetType = msgspec.UNSET


class _Document(msgspec.Struct, forbid_unknown_fields=True):
    """A snapshot document with its probes' data left as raw text."""

    format: Any | msgspec.UnsetType = msgspec.UNSET
    version: Any | msgspec.UnsetType = msgspec.UNSET
    environment: Any | msgspec.UnsetType = msgspec.UNSET
    taken_at: Any | msgspec.UnsetType = msgspec.UNSET
    tool_version: Any | msgspec.UnsetType = msgspec.UNSET
    secret_key_id: Any | msgspec.UnsetType = msgspec.UNSET
    probes: dict[str, _Probe] | msgspec.UnsetType = msgspec.UNSET
