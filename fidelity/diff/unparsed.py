"""The tree diff of data left unparsed (`UnparsedData`): the `TreeDiff` that `diff_trees` gives
for the parsed trees, with only the parts whose bytes differ parsed.

The reference's text is canonical (checked when it was read): each member of an object starts on
a line indented one space deeper than the object's own line, a scalar member is that one line,
and an object closes on the first line below it that is indented as its own line and holds `}`.
The texts are compared from the first member on. Bytes equal in both are equal; their leaves are
counted once, from the reference's lines. At the first byte that differs, the member holding it
is found in the reference, and at the same place in the candidate (everything before it is
equal): when both are objects under the same key, they are compared the same way one level down;
anything else is parsed on both sides (by the stdlib's `json`, as `read` parses) and given to the
engine's own walk, which applies list hints, rewrites and secret rules as it does for parsed
trees. When the two members are not under the same key (keys added, removed or reordered), the
object holding them is parsed whole on both sides and walked as the engine walks objects.

The candidate need only be valid JSON (its reader checked that): where it is laid out otherwise,
its member is not where the reference's layout puts one, or does not parse as one member, and the
walk parses the object whole or gives up. A part that cannot be parsed, or fails the checks `read`
makes, ends the diff: the caller then parses both trees, and the usual reader names the fault.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from fidelity.diff.tree import Rewriter, TreeDiff, Walker, count_leaves
from fidelity.model import ListHint
from fidelity.snapshot.model import UnparsedData

#: The first comparison of a stretch spans this many bytes, and each next one twice the last:
#: finding a difference costs about the distance to it, however long the rest is.
_FIRST_SPAN = 4096
#: Differing members walked before the diff leaves a pair of trees to the usual reader: at least
#: this many, and one per this many bytes of the reference's data.
_MEMBERS, _BYTES_PER_MEMBER = 4096, 2048
#: Bytes parsed before it does (objects whose keys differ, parsed whole): at least this many, and
#: a quarter of the two texts.
_BYTES = 1 << 20
#: Brackets checked one by one before a search for a closing line looks for the whole line.
_BRACKET_MISSES = 32


class _Reparse(Exception):
    """The two objects differ in their keys: parse both and walk them whole."""


class _Unreadable(Exception):
    """A part does not parse, fails `read`'s checks, or so much differs that parsing both trees
    whole costs less (`_Texts.spend`): parse both trees the usual way."""


def diff_unparsed(reference: UnparsedData, candidate: UnparsedData, *, hints: Sequence[ListHint] = (),
                  rewrite: Rewriter | None = None, secrets_comparable: bool = True) -> TreeDiff | None:
    """`diff_trees(parsed(reference), parsed(candidate), ...)`, parsing only what differs; None
    when a part that differs cannot be read (the caller then parses both trees, and the usual
    reader names any fault)."""
    if not reference.canonical:
        return None
    a, b = reference.text, candidate.text
    ends = (reference.end, candidate.end)
    level = ends[0] - a.rfind(b"\n", reference.start, ends[0]) - 1  # one more than the closing line's
    if ends[1] - b.rfind(b"\n", candidate.start, ends[1]) - 1 != level:
        return None
    walker = Walker(hints, rewrite, secrets_comparable)
    texts = _Texts(a, b, walker, ends[0] - reference.start, ends[1] - candidate.start)
    try:
        if texts.walk_object(reference.start, candidate.start, level, (), *ends)[:2] != ends:
            return None
    except _Unreadable:
        return None
    equal = reference.leaves() - texts.parsed_leaves  # the reference's leaves in byte-equal stretches
    return TreeDiff(tuple(walker.changes), walker.compared + equal, walker.matched + equal,
                    walker.uncomparable)


class _Texts:
    """The two texts, and the walk over the parts of them that differ.

    Positions come in pairs, one in each text: where the bytes before a difference are equal,
    a position in the reference has its twin at the same distance from the stretch's start."""

    def __init__(self, a: bytes, b: bytes, walker: Walker, size_a: int, size_b: int) -> None:
        """`a` and `b` hold the two data objects (`size_a` and `size_b` bytes long) among other text."""
        self.a, self.b, self.walker = a, b, walker
        self.parsed_leaves = 0
        """Leaves of the reference's parts that were parsed (the walker counted those)."""
        self.members = max(_MEMBERS, size_a // _BYTES_PER_MEMBER)
        """Differing members left to walk: each costs about 20 µs, ten times what parsing it in a
        whole tree costs, so when many differ the caller parses the trees instead."""
        self.bytes = max(_BYTES, (size_a + size_b) // 4)
        """Bytes left to parse (objects parsed whole when their keys differ, at every level)."""
        self.known: tuple[int, int, int] | None = None
        """The last difference found, `(from, at, shift)`: `a[from:at]` equals the bytes `shift`
        further on in `b`, and `a[at]` differs. An object that ends before it leaves it to its
        parent, which goes on from there instead of comparing the same bytes again."""

    def difference(self, lo_a: int, lo_b: int, n: int) -> int:
        """The offset of the first byte where `a[lo_a:lo_a+n]` and `b[lo_b:lo_b+n]` differ, or n."""
        known = self.known
        if known is not None and known[0] <= lo_a <= known[1] < lo_a + n and known[2] == lo_b - lo_a:
            return known[1] - lo_a
        k = _first_difference(self.a, lo_a, self.b, lo_b, n)
        self.known = (lo_a, lo_a + k, lo_b - lo_a) if k < n else None
        return k

    def walk_object(self, sa: int, sb: int, level: int, seg: tuple[str, ...], hi_a: int, hi_b: int
                    ) -> tuple[int, int, bool]:
        """Two objects opening at `a[sa]` and `b[sb]`, members indented by `level`, that may
        differ: where each ends, and whether they differ as Python values. When they do not
        (`1` and `1.0`, or `true`, inside them), the engine counts them matched without walking
        in, and so this walk is undone."""
        walker = self.walker
        changes, compared, matched, uncomparable, parsed = (
            len(walker.changes), walker.compared, walker.matched, walker.uncomparable, self.parsed_leaves)
        try:
            end_a, end_b, unequal = self.walk_members(sa, sb, level, seg, hi_a, hi_b)
        except _Reparse:
            del walker.changes[changes:]
            walker.compared, walker.matched, walker.uncomparable = compared, matched, uncomparable
            self.parsed_leaves = parsed
            end_a, end_b = _close(self.a, sa, level, hi_a), _close(self.b, sb, level, hi_b)
            return end_a, end_b, self.walk_parsed(self.a[sa:end_a], self.b[sb:end_b], seg)
        if not unequal:
            del walker.changes[changes:]
            walker.matched = matched + walker.compared - compared
        return end_a, end_b, unequal

    def walk_members(self, sa: int, sb: int, level: int, seg: tuple[str, ...], hi_a: int, hi_b: int
                     ) -> tuple[int, int, bool]:
        a, b = self.a, self.b
        key_line, closing = b"\n" + b" " * level + b'"', b"\n" + b" " * (level - 1) + b"}"
        lo_a, lo_b = sa + 2, sb + 2  # past "{\n"
        unequal = False
        while True:
            n = min(hi_a - lo_a, hi_b - lo_b)
            at = lo_a + self.difference(lo_a, lo_b, n)
            close = _find_line(a, closing, lo_a - 1, at)
            if close != -1:  # the object closes before the next difference: the rest of it is equal
                end = close + level + 1
                return end, lo_b + (end - lo_a), unequal
            if at == lo_a + n:
                raise _Reparse  # one side ends first
            # The member holding the difference: its line is the last at this level before it.
            start_a = max(a.rfind(key_line, lo_a - 1, at + 1) + 1, lo_a)
            start_b = lo_b + (start_a - lo_a)
            end_a, end_b, differs = self.walk_member(start_a, start_b, level, seg, hi_a, hi_b)
            unequal = unequal or differs
            lo_a, lo_b = _next_line(a, end_a), _next_line(b, end_b)

    def walk_member(self, sa: int, sb: int, level: int, seg: tuple[str, ...], hi_a: int, hi_b: int
                    ) -> tuple[int, int, bool]:
        """Two members starting at `a[sa]` and `b[sb]`: where each value ends, and whether they differ."""
        self.spend(1, 0)
        a, b = self.a, self.b
        (key, opens_a, line_a), (key_b, opens_b, line_b) = _key(a, sa, hi_a), _key(b, sb, hi_b)
        if key != key_b:
            raise _Reparse
        if opens_a == opens_b == b"{":
            return self.walk_object(line_a - 1, line_b - 1, level + 1, (*seg, key), hi_a, hi_b)
        end_a = _value_end(a, line_a, opens_a, level, hi_a)
        end_b = _value_end(b, line_b, opens_b, level, hi_b)
        value_a, value_b = _member(a[sa:end_a], len(seg)), _member(b[sb:end_b], len(seg))
        self.parsed_leaves += count_leaves(value_a)
        self.walker.walk(value_a, value_b, (*seg, key))
        return end_a, end_b, bool(value_a != value_b)

    def spend(self, members: int, parsed: int) -> None:
        """Count work done; past the budget, leave the trees to the usual reader."""
        self.members -= members
        self.bytes -= parsed
        if self.members < 0 or self.bytes < 0:
            raise _Unreadable

    def walk_parsed(self, text_a: bytes, text_b: bytes, seg: tuple[str, ...]) -> bool:
        self.spend(0, len(text_a) + len(text_b))
        value_a, value_b = _parsed(text_a, len(seg)), _parsed(text_b, len(seg))
        self.parsed_leaves += count_leaves(value_a)
        self.walker.walk(value_a, value_b, seg)
        return bool(value_a != value_b)


def _key(text: bytes, start: int, hi: int) -> tuple[str, bytes, int]:
    """The member starting at `text[start]`: its key, the bracket that ends its line when its value
    is a container opening lines of its own (else b""), and where its line ends."""
    line_end = text.find(b"\n", start, hi)
    if line_end == -1:
        line_end = hi
    try:
        line = text[start:line_end].decode("utf-8")
        key, after = scanstring(line, line.index('"') + 1)
    except ValueError:  # not a member's line: the two objects are laid out differently
        raise _Reparse from None
    rest = line[after:]
    return key, rest[-1:].encode() if rest in (": {", ": [") else b"", line_end


def _value_end(text: bytes, line_end: int, opens: bytes, level: int, hi: int) -> int:
    """Where a member's value ends: its line's end (less a comma), or the end of its closing line."""
    if not opens:
        return line_end - 1 if text[line_end - 1:line_end] == b"," else line_end
    return _close(text, line_end - 1, level + 1, hi, b"}" if opens == b"{" else b"]")


def _close(text: bytes, start: int, level: int, hi: int, bracket: bytes = b"}") -> int:
    """The end of the container opening at `text[start]` whose members are indented by `level`."""
    close = _find_line(text, b"\n" + b" " * (level - 1) + bracket, start, hi)
    if close == -1:
        raise _Unreadable
    return close + level + 1


def _find_line(text: bytes, line: bytes, start: int, end: int) -> int:
    """`text.find(line, start, end)` for a closing line (a newline, spaces, a bracket): the
    brackets are found with memchr and each checked, which is several times faster than a search
    for the whole line in indented text, where every line starts with spaces. Text with brackets
    all over (in strings, or deeply nested) gets the whole-line search after a few misses."""
    width, bracket = len(line), line[-1:]
    at = text.find(bracket, start + width - 1, end)
    for _ in range(_BRACKET_MISSES):
        if at == -1 or text[at - width + 1:at + 1] == line:
            return at if at == -1 else at - width + 1
        at = text.find(bracket, at + 1, end)
    return -1 if at == -1 else text.find(line, at - width + 1, end)


def _next_line(text: bytes, end: int) -> int:
    """The start of the line after a member whose value ends at `end` (past its comma, if any)."""
    return end + 2 if text[end:end + 1] == b"," else end + 1


def _member(text: bytes, depth: int) -> Any:
    """The value of the one member `text` holds."""
    parsed = _parsed(b"{%s}" % text, depth)
    if len(parsed) != 1:
        raise _Unreadable
    return next(iter(parsed.values()))


def _parsed(text: bytes, depth: int) -> Any:
    from fidelity.snapshot.fileformat import is_clean_data

    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise _Unreadable from None
    if not is_clean_data(value, depth):
        raise _Unreadable
    return value


def _first_difference(a: bytes, i: int, b: bytes, j: int, n: int) -> int:
    """The offset of the first byte where `a[i:i+n]` and `b[j:j+n]` differ, or n."""
    done, span = 0, _FIRST_SPAN
    while done < n:
        span = min(span, n - done)
        if a[i + done:i + done + span] != b[j + done:j + done + span]:
            lo, hi = done, done + span
            while hi - lo > 64:
                mid = (lo + hi) // 2
                if a[i + lo:i + mid] == b[j + lo:j + mid]:
                    lo = mid
                else:
                    hi = mid
            # The first differing byte of the last few: the highest set bit of their XOR, as numbers.
            xor = int.from_bytes(a[i + lo:i + hi], "big") ^ int.from_bytes(b[j + lo:j + hi], "big")
            return hi - (xor.bit_length() + 7) // 8
        done += span
        span *= 2
    return n
