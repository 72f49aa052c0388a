"""Names matched against lists of globs: setting names, table names, header names, key names.

The rules are `fnmatch.fnmatchcase`'s (case-sensitive; `*`, `?`, `[seq]`, `[!seq]`). A list is
prepared once: its plain names into a set, its patterns compiled into one, so a name is matched
against the whole list in a look-up and one search in C instead of one Python call per glob: a
database probe matches every setting and table against its lists, thousands of names against
hundreds of globs.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterable
from functools import lru_cache

__all__ = ["matches_any"]


def matches_any(name: str, globs: Iterable[str]) -> bool:
    """True when `name` matches one of `globs` (by `fnmatch.fnmatchcase`'s rules)."""
    listed = globs if type(globs) is tuple else tuple(globs)
    return bool(listed) and _matcher(listed)(name)


@lru_cache(maxsize=256)
def _matcher(globs: tuple[str, ...]) -> Callable[[str], bool]:
    """A glob without `*`, `?` or `[` matches only itself: those are looked up in a set, and only the
    others are compiled (most of a probe's lists name settings whole; a pattern costs its compilation)."""
    names = frozenset(glob for glob in globs if _WILD.isdisjoint(glob))
    wild = [glob for glob in globs if not _WILD.isdisjoint(glob)]
    if not wild:
        return names.__contains__
    # each translation is anchored at its end (`\Z`) and groups nothing, so they join as alternatives
    match = re.compile("|".join(fnmatch.translate(glob) for glob in wild)).match
    return lambda name: name in names or match(name) is not None


#: The characters that make a glob more than a name (`fnmatch`: `*`, `?`, `[seq]`).
_WILD = frozenset("*?[")
