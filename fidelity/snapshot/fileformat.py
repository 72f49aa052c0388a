"""The snapshot file: JSON written atomically, and read back with every field checked."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from fidelity import __version__
from fidelity.files import write_atomic
from fidelity.probe import Gap, ProbeWarning
from fidelity.snapshot.model import ProbeSnapshot, Snapshot, SnapshotError, UnparsedData
from fidelity.snapshot.take import MAX_DEPTH

FORMAT = "fidelity-snapshot"
VERSION = 1
DOCUMENT_DEPTH = MAX_DEPTH + 6
"""Deepest nesting of a whole snapshot document: probes, a probe, its data (MAX_DEPTH levels)."""


def to_json(snapshot: Snapshot) -> dict[str, Any]:
    """The snapshot file's content."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "environment": snapshot.environment,
        "taken_at": snapshot.taken_at,
        "tool_version": snapshot.tool_version,
        "secret_key_id": snapshot.secret_key_id,
        "probes": {
            name: {
                "type": p.type, "status": p.status, "error": p.error, "data": p.data,
                "gaps": [{"object": g.object, "message": g.message, "path": list(g.segments)}
                         for g in p.gaps],
                # Written only when there are some, so that snapshots without any stay as they were.
                **({"warnings": [{"object": w.object, "message": w.message} for w in p.warnings]}
                   if p.warnings else {}),
            }
            for name, p in snapshot.probes.items()
        },
    }


def write(snapshot: Snapshot, path: Path) -> None:
    """Write a snapshot atomically (a temporary file, then a rename), mode 600: it describes production."""
    checked = {id(p.data) for p in snapshot.probes.values() if p.checked}
    write_atomic(path, encode(to_json(snapshot), checked), private=True)


#: A float as msgspec writes it where Python's `repr` differs (an exponent, or a value below 1e-4):
#: a number token alone at the end of its line in indented JSON, so never part of a string.
_OTHER_FLOAT = re.compile(rb"(?<=[ \n])-?(?:[0-9]+(?:\.[0-9]+)?e[-+]?[0-9]+|0\.0000[0-9]+)(?=,?\n)")


def _python_float(match: re.Match[bytes]) -> bytes:
    return repr(float(match.group())).encode("ascii")


def encode(doc: Any, checked: Collection[int] = ()) -> bytes:
    """The document as a snapshot file holds it: byte for byte what `json.dumps(doc, indent=1,
    ensure_ascii=False)` writes, plus a newline; made by `indented_json` where it can be.
    Containers whose `id` is in `checked` (a probe's data that `snapshot.take` found plain) are not
    walked again."""
    encoded = indented_json(doc, 1, checked)
    if encoded is None:
        encoded = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
    return encoded + b"\n"


def indented_json(doc: Any, indent: int, checked: Collection[int] = ()) -> bytes | None:
    """`json.dumps(doc, indent=indent, ensure_ascii=False)` as UTF-8, byte for byte, made in C by
    msgspec (the stdlib's indenting encoder is pure Python); None for a document msgspec would
    write otherwise, which the caller then gives to the stdlib: NaN, Infinity, keys that are not
    strings, tuples, subclasses of JSON types, a lone surrogate, or deeper nesting than a snapshot's.
    Also used for the JSON report."""
    import msgspec  # here: reading snapshots (`fidelity diff`) does not need it

    odd: list[float] = []
    if not _is_clean(doc, DOCUMENT_DEPTH, strict=True, odd=odd, checked=checked):
        return None
    try:
        encoded = msgspec.json.format(msgspec.json.encode(doc), indent=indent)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):  # e.g. a lone surrogate
        return None
    return _OTHER_FLOAT.sub(_python_float, encoded) if odd else encoded


class _NotFinite:
    """Stands for NaN, Infinity or a number too large for a float, so that `parse` names its field."""

    def __init__(self, text: str) -> None:
        self.text = text


def _finite_float(text: str) -> float | _NotFinite:
    value = float(text)
    return value if math.isfinite(value) else _NotFinite(text)


def loads(raw: bytes | str, path: Path) -> Any:
    """Standard JSON only: NaN, Infinity and overflowing numbers are refused, deep nesting too."""
    return _loads(raw, path, _finite_float)


def _loads(raw: bytes | str, path: Path, parse_float: Callable[[str], Any] | None) -> Any:
    try:
        return json.loads(raw, parse_constant=_NotFinite, parse_float=parse_float)
    except UnicodeDecodeError:
        raise SnapshotError(f"{path}: not a fidelity snapshot (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: not a fidelity snapshot (invalid JSON at line {exc.lineno}, "
                            f"column {exc.colno})") from None
    except RecursionError:
        raise SnapshotError(f"{path}: not a fidelity snapshot (nested deeper than "
                            f"{DOCUMENT_DEPTH} levels)") from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise SnapshotError(f"{path}: not a fidelity snapshot ({exc})") from None


def read(path: Path) -> Snapshot:
    """Read and check a snapshot file."""
    return read_bytes(read_file(path), path)


def read_file(path: Path) -> bytes:
    """A snapshot file's bytes (read once: it may be a pipe, `<(zcat prod.json.gz)`)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SnapshotError(f"{path}: snapshot file not found") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read snapshot: {exc.strerror}") from None


def read_bytes(raw: bytes, path: Path) -> Snapshot:
    """Check a snapshot file's bytes, read from `path`."""
    encoding = json.detect_encoding(raw)
    try:  # decoded first, as json.loads decodes bytes, so that the bytes are gone while it parses
        text = raw.decode(encoding)
        surrogates = encoding != "utf-8" or escaped_surrogate(raw)
    except UnicodeDecodeError:  # UTF-8 bytes of a surrogate are read (and then checked), nothing else
        try:
            text, surrogates = raw.decode(encoding, "surrogatepass"), True
        except UnicodeDecodeError:
            raise SnapshotError(f"{path}: not a fidelity snapshot (not UTF-8 text)") from None
    del raw
    if surrogates:
        _refuse_lone_surrogates(text, path)
    try:  # without a call per number: an overflowing one is an infinity, which the check refuses
        return parse(_loads(text, path, None), path)
    except SnapshotError:  # read again as `loads` reads, for its exact message
        return parse(loads(text, path), path)


#: A surrogate code point, escaped (`\\ud800`) or decoded from UTF-8 bytes that encode one.
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|[\ud800-\udfff]")


def escaped_surrogate(raw: bytes) -> bool:
    """Whether the JSON text holds an escaped surrogate (`\\ud800`): the backslashes are found with
    `bytes.find` (memchr), about 100 times faster than a regular expression over a large file; a
    snapshot that fidelity wrote has few (it escapes only control characters)."""
    at = raw.find(b"\\")
    while at != -1:
        if raw[at + 1:at + 3] in (b"ud", b"uD") and raw[at + 3:at + 4] in _SURROGATE_THIRD:
            return True
        at = raw.find(b"\\", at + 2)  # past the escaped character, which may be a backslash
    return False


_SURROGATE_THIRD = frozenset(bytes([c]) for c in b"89abcdefABCDEF")


def _refuse_lone_surrogates(text: str, path: Path) -> None:
    """A string holding a surrogate that is not half of a pair is not Unicode text: no report could
    be written with it. (Pairs, `\\ud83d\\ude00`, decode to the character they encode.)"""
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"', text):
        if _SURROGATE.search(match.group()):
            try:
                json.loads(match.group()).encode("utf-8")
            except (UnicodeEncodeError, ValueError):
                line = text.count("\n", 0, match.start()) + 1
                raise SnapshotError(f"{path}: malformed snapshot (a string at line {line} holds a lone "
                                    "surrogate, which is not Unicode text)") from None


class _Invalid(Exception):
    """A field does not match the documented schema."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")


def _json_type(value: Any) -> str:
    if isinstance(value, _NotFinite):
        return f"{value.text} (snapshots are standard JSON: numbers are finite)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _field(obj: dict[str, Any], key: str, field: str, expected: type, name: str,
           required: bool = True) -> Any:
    if key not in obj:
        if required:
            raise _Invalid(field, "missing")
        return None
    value = obj[key]
    if not isinstance(value, expected):
        raise _Invalid(field, f"expected {name}, got {_json_type(value)}")
    return value


def _check_tree(value: Any, field: str, limit: int) -> None:
    """A tree is nested at most `limit` levels and holds finite numbers only (checked without recursion).

    `field` names the tree's root in messages, between quotes ('' for the whole document). A clean tree
    (the usual case) is checked by one cheap walk; only a faulty one is walked again to name the field.
    """
    if not _is_clean(value, limit):
        _name_the_fault(value, field, limit)


_PLAIN_SCALARS = frozenset({str, int, bool, type(None)})
_JSON_TYPES = _PLAIN_SCALARS | {float, dict, list}


def _is_clean(value: Any, limit: int, strict: bool = False, odd: list[float] | None = None,
              checked: Collection[int] = ()) -> bool:
    """True when no container is deeper than `limit` and every number is finite; no paths are built.

    `strict` also wants every key a string and every value of exactly a JSON type (no tuple, no
    subclass), so that any JSON writer writes it as the stdlib does; `odd` collects the floats
    that `repr` writes with an exponent. The types in each container are gathered in C; only
    containers and floats are then looked at one by one. Containers in `checked` (by `id`) are
    known to pass at the depth they are at, and are skipped."""
    if type(value) is not dict and type(value) is not list:
        return _clean_values({type(value)}, (value,), strict, odd)
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if checked and id(item) in checked:
            continue
        children = item.values() if type(item) is dict else item
        if depth > limit or (depth >= limit and children):
            return False
        if strict and type(item) is dict and not set(map(type, item)) <= {str}:
            return False
        kinds = set(map(type, children))
        if kinds <= _PLAIN_SCALARS:
            continue
        if not _clean_values(kinds, children, strict, odd):
            return False
        if dict in kinds or list in kinds:
            stack.extend((child, depth + 1) for child in children
                         if type(child) is dict or type(child) is list)
    return True


def _clean_values(kinds: set[type], values: Iterable[Any], strict: bool, odd: list[float] | None) -> bool:
    """Whether values of these types hold no NaN, infinity or (when `strict`) non-JSON type."""
    if _NotFinite in kinds or (strict and not kinds <= _JSON_TYPES):
        return False
    if float in kinds:
        floats = [value for value in values if type(value) is float]
        total = sum(floats)  # a NaN or an infinity makes the sum one (and an overflow a false alarm)
        if total - total != 0.0 and not all(map(math.isfinite, floats)):
            return False
        if odd is not None:
            odd.extend(f for f in floats if f and not 1e-4 <= abs(f) < 1e16)
    return True


def parsed(data: Any) -> Any:
    """A probe's data parsed when it is `UnparsedData`, checked as `read` checks it; when the check
    fails, the files are read the usual way (the reference first), which raises naming the fault.
    Other data as it is."""
    if type(data) is not UnparsedData:
        return data
    try:
        value = json.loads(data.text[data.start:data.end])
    except (ValueError, RecursionError):
        value = None
    if type(value) is dict and is_clean_data(value):
        return value
    if data.first is not None:
        read_bytes(*data.first)
    return read_bytes(data.text, data.path).probes[data.probe].data


def is_clean_data(data: Any, depth: int = 0) -> bool:
    """Whether a probe's data, or a value `depth` levels into it, passes the checks `read` makes
    of it (nesting, finite numbers)."""
    return _is_clean(data, MAX_DEPTH - depth)


def _name_the_fault(value: Any, field: str, limit: int) -> None:
    """Walk again, building each value's path, and raise naming the first fault found."""
    stack: list[tuple[Any, str, int]] = [(value, field.strip('"'), 0)]
    while stack:
        item, where, depth = stack.pop()
        if depth > limit:
            raise _Invalid(field or "(document)", f"nested deeper than {limit} levels")
        if isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, _NotFinite) or (isinstance(item, float) and not math.isfinite(item)):
            raise _Invalid(f'"{where}"', f"expected a finite number, got {_json_type(item)}")


def parse(doc: Any, path: Path) -> Snapshot:
    """Check a decoded snapshot document against the documented schema (docs/formats.md)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else None
        shown = repr(found[:60]) if isinstance(found, str) else \
            "missing" if isinstance(doc, dict) and "format" not in doc else \
            f"{_json_type(found if isinstance(doc, dict) else doc)}"
        raise SnapshotError(f"{path}: not a fidelity snapshot (format is {shown}, expected {FORMAT!r})")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        shown = repr(version) if isinstance(version, (int, float)) and not isinstance(version, bool) \
            else _json_type(version)
        raise SnapshotError(f"{path}: malformed snapshot (field \"version\": expected a whole number >= 1, "
                            f"got {shown})")
    if version > VERSION:
        raise SnapshotError(f"{path}: snapshot version {version} is newer than this fidelity "
                            f"supports ({VERSION}); upgrade fidelity (this is {__version__})")
    try:
        if _clean_snapshot(doc):  # the usual case: each tree walked once, and no check fails below
            return _snapshot(doc, checked=True)
        _check_tree(doc, "", DOCUMENT_DEPTH)
        return _snapshot(doc)
    except _Invalid as exc:
        raise SnapshotError(f"{path}: malformed snapshot (field {exc})") from None


def _clean_snapshot(doc: dict[str, Any]) -> bool:
    """Whether the document passes `_check_tree` and so does each probe's data, with the data walked
    once (against its own, tighter, limit) instead of twice; False also when the probes are not
    shaped as objects, for the full checks to name the fault."""
    probes = doc.get("probes")
    if type(probes) is not dict or not all(type(p) is dict for p in probes.values()):
        return False
    # Data clean within MAX_DEPTH is clean within the document's limit too, three levels down.
    outline = {**doc, "probes": {name: {**p, "data": None} for name, p in probes.items()}}
    return _is_clean(outline, DOCUMENT_DEPTH) and all(_is_clean(p.get("data"), MAX_DEPTH)
                                                       for p in probes.values())


def _snapshot(doc: dict[str, Any], checked: bool = False) -> Snapshot:
    environment = _field(doc, "environment", '"environment"', str, "a string")
    taken_at = _field(doc, "taken_at", '"taken_at"', str, "a string")
    tool_version = _field(doc, "tool_version", '"tool_version"', str, "a string", required=False)
    key_id = _field(doc, "secret_key_id", '"secret_key_id"', str, "a string", required=False)
    raw_probes = _field(doc, "probes", '"probes"', dict, "an object")
    probes = {name: _probe(p, f'"probes.{name}"', checked) for name, p in raw_probes.items()}
    return Snapshot(environment=environment, taken_at=taken_at,
                    tool_version=tool_version if tool_version is not None else "unknown",
                    secret_key_id=key_id or "", probes=probes)


def _probe(p: Any, where: str, checked: bool = False) -> ProbeSnapshot:
    if not isinstance(p, dict):
        raise _Invalid(where, f"expected an object, got {_json_type(p)}")
    inner = where[:-1]
    type_name = _field(p, "type", f'{inner}.type"', str, "a string")
    status = _field(p, "status", f'{inner}.status"', str, "a string")
    if status not in ("ok", "error"):
        raise _Invalid(f'{inner}.status"', f"expected \"ok\" or \"error\", got {status!r}")
    error = None if p.get("error") is None else _field(p, "error", f'{inner}.error"', str, "a string or null")
    data = p.get("data")
    if status == "ok" and type(data) is not dict and not isinstance(data, UnparsedData):
        # a probe's data is an object (`ProbeResult.data`)
        raise _Invalid(f'{inner}.data"', f'expected an object for a probe whose status is "ok", '
                                        f"got {_json_type(data)}")
    if not checked:  # else `_clean_snapshot` found it clean
        _check_tree(data, f'{inner}.data"', MAX_DEPTH)
    gaps = []
    for i, g in enumerate(_field(p, "gaps", f'{inner}.gaps"', list, "an array", required=False) or ()):
        at = f'{inner}.gaps[{i}]'
        if not isinstance(g, dict):
            raise _Invalid(at + '"', f"expected an object, got {_json_type(g)}")
        segments = _field(g, "path", at + '.path"', list, "an array of strings", required=False) or []
        if not all(isinstance(s, str) for s in segments):
            raise _Invalid(at + '.path"', "expected an array of strings")
        gaps.append(Gap(_field(g, "object", at + '.object"', str, "a string"),
                        _field(g, "message", at + '.message"', str, "a string"), tuple(segments)))
    warnings = []
    for i, w in enumerate(_field(p, "warnings", f'{inner}.warnings"', list, "an array", required=False)
                          or ()):
        at = f'{inner}.warnings[{i}]'
        if not isinstance(w, dict):
            raise _Invalid(at + '"', f"expected an object, got {_json_type(w)}")
        warnings.append(ProbeWarning(_field(w, "object", at + '.object"', str, "a string"),
                                     _field(w, "message", at + '.message"', str, "a string")))
    return ProbeSnapshot(type=type_name, status=status, error=error, data=data, gaps=tuple(gaps),
                         warnings=tuple(warnings))
