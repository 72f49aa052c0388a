"""JSON files read by msgspec where that provably gives what the standard library's parser gives.

`json.loads` is the reference (`formats.parse_json`): it reads NaN and Infinity, turns numbers too
large for a float into infinities, keeps lone surrogate escapes, and tells keys written twice (the
probe warns about them, with their lines). msgspec is two to three times faster on a large file and
agrees with it on every valid JSON document it accepts (same dicts in the same key order, the same
ints of any size, correctly rounded floats, the same strings); it refuses NaN, Infinity, numbers out
of a float's range, lone surrogates (escaped or not), a byte order mark and any document nested
deeper than its own limit, all of which the standard library then reads as before.

What msgspec does not tell is whether a key was written twice (it keeps the last value, as
`json.loads` does). `read_json` proves there was none by counting: every key of the document is
one ``:`` outside any string, so the colons of the text, less those inside its strings, bound the
number of keys written; a document whose dicts hold that many keys has no key written twice. The
colons inside strings are counted from the parsed strings (each distinct string at least once; a
colon written as the escape ``\\u003a`` is not a colon of the text, so those escapes are added
back). When the bound does not prove it, the standard library reads the file again.
"""

from __future__ import annotations

import re
from typing import Any

from fidelity.probe import Survey, survey_json
from probes.config_files.formats import Duplicate, parse

#: An escaped colon (or a literal backslash followed by the same letters: an upper bound is enough);
#: compiled (by the `re` module's cache) only for a text that holds one.
_ESCAPED_COLON = r"\\u003[aA]"


def read_json(text: str, label: str, duplicates: list[Duplicate] | None) -> tuple[Any, Survey | None]:
    """`parse("json", text, label, duplicates, walked_by_caller=True)`, with the survey of the tree
    when msgspec read it (for the protecting walk to skip a tree it would not change)."""
    import msgspec  # here: `fidelity probes` and runs without a JSON file do not need it

    try:
        tree = msgspec.json.decode(text)
    except (msgspec.DecodeError, ValueError, RecursionError):  # the standard library decides, and tells
        tree = None
    else:
        survey = survey_json(tree)
        if survey is not None and not _maybe_repeated(text, survey):
            return tree, survey
    return parse("json", text, label, duplicates, walked_by_caller=True), None


def _maybe_repeated(text: str, survey: Survey) -> bool:
    """False when the document `text` (valid JSON, surveyed) provably has no key written twice."""
    colons = text.count(":")
    if colons <= survey.key_count:
        return False
    inside = sum(s.count(":") for s in survey.strings) + sum(k.count(":") for k in survey.keys)
    escaped = len(re.findall(_ESCAPED_COLON, text)) if "\\u003" in text else 0
    return colons - inside + escaped > survey.key_count
