"""Names matched against lists of globs: setting names, table names, header names, key names.

The rules are `fnmatch.fnmatchcase`'s (case-sensitive; `*`, `?`, `[seq]`, `[!seq]`). A list is
compiled once into one pattern, so a name is matched against the whole list in one search in C
instead of one Python call per glob: a database probe matches every setting and table against its
lists, thousands of names against hundreds of globs.
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
    return bool(listed) and _matcher(listed)(name) is not None


@lru_cache(maxsize=256)
def _matcher(globs: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    # each translation is anchored at its end (`\Z`) and groups nothing, so they join as alternatives
    return re.compile("|".join(fnmatch.translate(glob) for glob in globs)).match
