"""JSON key paths of a data-shape fingerprint: the limits of the walk, and its result as snapshot data.

A probe walks the documents in its store (SQL, Redis commands) within these limits and
returns `{"documents": n, "paths": [[path, documents with it, counts per JSON type]]}`,
each path its segments joined by SEPARATOR after a leading one. Keys that look like values,
and keys in fewer than RARE_KEY of the documents, are folded into `<key>` in the store, so
that no such key name leaves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fidelity.probe.shape.scale import fraction

#: JSON documents walked per column (presence fractions within about ±0.03).
JSON_DOCUMENTS = 1_000
#: Array elements walked per JSON array (they are folded into one `[]` segment).
JSON_ARRAY_ITEMS = 20
#: Key paths returned per JSON column, the most frequent first.
JSON_PATHS = 200
#: A key in fewer documents than this share (and at least 2) is folded into `<key>`.
RARE_KEY = 0.01
#: JSON keys that look like values, folded into `<key>`: numbers, dates, ids, emails, hashes, long keys.
VALUE_LIKE_KEY = r"^[-+0-9]|@|^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}|^[0-9a-fA-F]{16,}$|^.{41,}$|^$"
JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
SEPARATOR = "\x1f"
FOLDED = "<key>"



def json_keys(result: Mapping[str, Any]) -> dict[str, Any]:
    """Key paths with the share of documents that have them and the shares of their value types."""
    documents = result["documents"]
    out: dict[str, Any] = {}
    for path, n, types in sorted(result["paths"]):
        found = sum(types)
        out[label(path.split(SEPARATOR)[1:])] = {
            "presence": fraction(n, documents),
            "types": [[name, fraction(c, found)] for name, c in zip(JSON_TYPES, types, strict=True) if c],
        }
    return out


def label(segments: Sequence[str]) -> str:
    """A key path as text: `$` for the document, `a.b[].c` below it."""
    text = ""
    for seg in segments:
        text += seg if seg == "[]" else (f".{seg}" if text else seg)
    return text or "$"
