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

import json
from pathlib import Path
from typing import Any

import msgspec

from fidelity.snapshot.fileformat import escaped_surrogate, is_clean_data, parse, read
from fidelity.snapshot.model import Snapshot, SnapshotError, UnparsedData
from fidelity.snapshot.take import MAX_DEPTH

#: Deepest indentation a data member may have: the data object is three levels into the document.
_TOO_DEEP = b"\n" + b" " * (MAX_DEPTH + 4)


def read_pair(reference: Path, candidate: Path) -> tuple[Snapshot, Snapshot]:
    """Two snapshot files to diff, each read by `read_unparsed` where it can be, else by `read`
    (which raises naming the fault: the reference's first)."""
    first = read_unparsed(reference, canonical=True)
    second = read_unparsed(candidate, canonical=False) if first is not None else None
    return first or read(reference), second or read(candidate)


def parsed(data: Any) -> Any:
    """A probe's data parsed when it is `UnparsedData`, checked as `read` checks it; when the check
    fails, the file is read the usual way, which raises naming the fault. Other data as it is."""
    if type(data) is not UnparsedData:
        return data
    try:
        value = json.loads(data.text[data.start:data.end])
    except ValueError:
        value = None
    if type(value) is dict and is_clean_data(value):
        return value
    return read(data.path).probes[data.probe].data


def read_unparsed(path: Path, canonical: bool) -> Snapshot | None:
    """The snapshot file with each probe's data object unparsed, or None when the file is not one
    this reader takes (the caller then uses `read`). `canonical` asks for the checks that make the
    file's lines trustworthy (the layout, and nesting read from the indentation): the diff trusts
    the reference's lines, and checks what it reads of the candidate's as it goes."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
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
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    skeleton = _fields(doc, _HEADER)
    if doc.probes is not msgspec.UNSET:
        found = _Spans(raw, path, canonical)
        try:
            skeleton["probes"] = {name: found.probe(name, p) for name, p in doc.probes.items()}
        except _Unlocated:  # pragma: no cover - see _Unlocated
            return None
    try:
        return parse(skeleton, path)
    except SnapshotError:
        return None


_HEADER = ("format", "version", "environment", "taken_at", "tool_version", "secret_key_id")
_PROBE = ("type", "status", "error", "gaps", "warnings")


def _fields(struct: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(struct, name) for name in names if getattr(struct, name) is not msgspec.UNSET}


class _Spans:
    """Finds each probe's data in the file's bytes, in file order, so that `UnparsedData` points
    into them instead of holding a copy (copying tens of MB costs more than finding them)."""

    def __init__(self, raw: bytes, path: Path, canonical: bool) -> None:
        self.raw, self.path, self.canonical = raw, path, canonical
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
                fields["data"] = UnparsedData(self.raw, start, start + size, self.path, name, self.canonical)
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


class _Probe(msgspec.Struct):
    type: Any | msgspec.UnsetType = msgspec.UNSET
    status: Any | msgspec.UnsetType = msgspec.UNSET
    error: Any | msgspec.UnsetType = msgspec.UNSET
    data: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    gaps: Any | msgspec.UnsetType = msgspec.UNSET
    warnings: Any | msgspec.UnsetType = msgspec.UNSET


class _Document(msgspec.Struct):
    """A snapshot document with its probes' data left as raw text."""

    format: Any | msgspec.UnsetType = msgspec.UNSET
    version: Any | msgspec.UnsetType = msgspec.UNSET
    environment: Any | msgspec.UnsetType = msgspec.UNSET
    taken_at: Any | msgspec.UnsetType = msgspec.UNSET
    tool_version: Any | msgspec.UnsetType = msgspec.UNSET
    secret_key_id: Any | msgspec.UnsetType = msgspec.UNSET
    probes: dict[str, _Probe] | msgspec.UnsetType = msgspec.UNSET
