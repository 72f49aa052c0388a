"""Line diffs of multi-line values for the human reports: which lines changed, bounded in size.

A ConfigMap value of 20 lines with one word changed is two long, nearly equal strings;
a table cell shows neither the change nor where it is. `line_diff` gives the changed
lines with a little context, as `diff -u` would, and stays small whatever the input:
at most `MAX_LINES` lines of at most `MAX_WIDTH` characters each, with a note saying
what was left out. The text is raw: each reporter escapes it for its format.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from fidelity.model import Change, Finding
from fidelity.report.common import ELLIPSIS, sides, visible

#: Unchanged lines shown around each change.
CONTEXT = 2
#: Diff lines shown per value, hunk headers and notes included.
MAX_LINES = 60
#: Characters shown of each line.
MAX_WIDTH = 200
#: Differing lines of each side that are compared (difflib is quadratic or worse on repetitive
#: text); past them a value is not diffed further. Enough to fill MAX_LINES.
MAX_COMPARED = 150

Kind = Literal["hunk", "same", "removed", "added", "note"]
_PREFIX: dict[str, str] = {"hunk": "", "same": "  ", "removed": "- ", "added": "+ ", "note": ""}


@dataclass(frozen=True)
class DiffLine:
    """One line of a line diff."""

    kind: Kind
    """hunk (an `@@ -a,b +c,d @@` header), same, removed, added, or note (what was left out)."""
    text: str
    """The line as it is in the value (cut to MAX_WIDTH), or the header or note; not escaped."""

    def unified(self) -> str:
        """The line as `diff -u` shows it, control characters made visible: '- old', '+ new'."""
        return _PREFIX[self.kind] + visible(self.text)


def finding_diff(finding: Finding) -> list[DiffLine] | None:
    """The line diff of a changed value that is multi-line text on both sides; None for others."""
    if finding.change is not Change.CHANGED:
        return None
    reference, candidate = sides(finding)
    if reference is None or candidate is None or "\n" not in reference or "\n" not in candidate:
        return None
    return line_diff(reference, candidate)


def line_diff(reference: str, candidate: str, context: int = CONTEXT, max_lines: int = MAX_LINES,
              width: int = MAX_WIDTH) -> list[DiffLine]:
    """The changed lines of two texts with `context` lines around each change, at most `max_lines`."""
    # Split on \n only, so that a \r\n line ending is part of the line and shows as a difference.
    a, b = reference.split("\n"), candidate.split("\n")
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    start = max(0, head - context)  # diff only the differing middle and its context: linear in size
    a_mid, b_mid = a[start:len(a) - max(0, tail - context)], b[start:len(b) - max(0, tail - context)]
    notes: list[DiffLine] = []
    if max(len(a_mid), len(b_mid)) > MAX_COMPARED:
        a_mid, b_mid = a_mid[:MAX_COMPARED], b_mid[:MAX_COMPARED]
        notes.append(DiffLine("note", f"{ELLIPSIS} only the first {MAX_COMPARED} differing lines were "
                                      "compared; the JSON report has the whole values"))
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(None, a_mid, b_mid, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        lines.append(DiffLine("hunk", f"@@ -{start + first[1] + 1},{last[2] - first[1]} "
                                      f"+{start + first[3] + 1},{last[4] - first[3]} @@"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", _cut(line, width)) for line in a_mid[i1:i2]]
                continue
            lines += [DiffLine("removed", _cut(line, width)) for line in a_mid[i1:i2]]
            lines += [DiffLine("added", _cut(line, width)) for line in b_mid[j1:j2]]
    if len(lines) + len(notes) > max_lines:
        keep = max(1, max_lines - len(notes) - 1)
        changed = sum(line.kind in ("removed", "added") for line in lines[keep:])
        lines = lines[:keep]
        notes.insert(0, DiffLine("note", f"{ELLIPSIS} {changed} more changed line(s) not shown; "
                                         "the JSON report has the whole values"))
    return lines + notes


def side(lines: list[DiffLine], kind: Literal["removed", "added"]) -> list[DiffLine]:
    """One side of a diff: the hunks with that side's changed lines and the context, for side by side."""
    other = "added" if kind == "removed" else "removed"
    return [line for line in lines if line.kind != other]


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[:width - 1] + ELLIPSIS
