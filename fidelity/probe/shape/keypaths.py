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
from fidelity.redact import looks_secret_name

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
    """Key paths with the share of documents that have them and the shares of their value types.

    Below a secret-looking key (`api_keys`, `tokens`), every key is folded into `<key>`: a map from
    tokens to their scopes is keyed by the secrets themselves. Paths that fold into one are counted as
    one: the most documents any of them had (a lower bound), and the value types of all of them."""
    documents = result["documents"]
    merged: dict[str, tuple[int, list[int]]] = {}
    for path, n, types in result["paths"]:
        key = label(_folded_below_secrets(path.split(SEPARATOR)[1:]))
        seen = merged.get(key)
        merged[key] = (n, list(types)) if seen is None else (
            max(seen[0], n), [a + b for a, b in zip(seen[1], types, strict=True)])
    out: dict[str, Any] = {}
    for key in sorted(merged):
        n, types = merged[key]
        found = sum(types)
        out[key] = {
            "presence": fraction(n, documents),
            "types": [[name, fraction(c, found)] for name, c in zip(JSON_TYPES, types, strict=True) if c],
        }
    return out


def _folded_below_secrets(segments: list[str]) -> list[str]:
    """`segments` with every key below a secret-looking one folded into FOLDED."""
    for index, segment in enumerate(segments):
        if segment not in ("[]", FOLDED) and looks_secret_name(segment):
            return segments[:index + 1] + [s if s == "[]" else FOLDED for s in segments[index + 1:]]
    return segments


def label(segments: Sequence[str]) -> str:
    """A key path as text: `$` for the document, `a.b[].c` below it."""
    text = ""
    for seg in segments:
        text += seg if seg == "[]" else (f".{seg}" if text else seg)
    return text or "$"
