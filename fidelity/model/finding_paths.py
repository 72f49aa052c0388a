"""Finding paths: escaping segments (as in JSON Pointer) and matching rule globs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any


def escape(segment: object) -> str:
    """Escape one segment: '~' becomes '~0' and '/' becomes '~1'."""
    return str(segment).replace("~", "~0").replace("/", "~1")


def join(segments: Iterable[object]) -> str:
    """Join raw segments into an escaped path."""
    return "/".join(escape(s) for s in segments)


@lru_cache(maxsize=1024)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """Compile a rule glob: '*' stays within a segment, '**' spans any number of them.

    '?' matches one character within a segment. Everything else is literal, so a
    pattern is written against escaped paths (a '/' inside a segment is '~1').
    """
    parts: list[str] = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            # Zero or more whole segments, including the separator that follows.
            parts.append("(?:.*)" if last else "(?:[^/]*/)*")
            continue
        body = ""
        for char in segment:
            if char == "*":
                body += "[^/]*"
            elif char == "?":
                body += "[^/]"
            else:
                body += re.escape(char)
        parts.append(body if last else body + "/")
    regex = "".join(parts)
    if segments[-1] == "**" and len(segments) > 1:
        # 'a/**' matches 'a' itself as well as everything below it.
        regex = regex[: -len("(?:.*)")].rstrip("/") + "(?:/.*)?"
    return re.compile(regex + r"\Z", re.DOTALL)


def matches(pattern: str, path: str) -> bool:
    """True when the escaped `path` matches the rule glob `pattern`."""
    return compile_glob(pattern).match(path) is not None


def lookup(tree: Any, segments: Iterable[str]) -> Any:
    """The value at raw `segments` below `tree` (a probe's data), or None where the path ends early."""
    for segment in segments:
        if not isinstance(tree, dict) or segment not in tree:
            return None
        tree = tree[segment]
    return tree
