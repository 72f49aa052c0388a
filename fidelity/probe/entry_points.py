"""The entry points of one group, read straight from the installed distributions' metadata files.

`importlib.metadata.entry_points` answers the same question through a general API whose import
alone (email, zipfile, csv, its adapters) costs about a tenth of a whole small `fidelity audit`,
and it parses every distribution's `entry_points.txt` in full. This reads the same files the same
way, for the one group asked for:

* each entry of `sys.path` in order (the empty entry is the current directory), each
  ``*.dist-info`` or ``*.egg-info`` directory in it in the order the directory lists them;
* a distribution's name is its directory name up to the first ``-``, normalised as
  `importlib.metadata` normalises it; the first distribution of a name wins, later ones of the
  same name (an older copy further down `sys.path`) are not read;
* ``entry_points.txt`` as `importlib.metadata` parses it: blank lines and ``#`` comments skipped,
  ``[group]`` headers, ``name = value`` lines.

Where the layout is one this reader does not follow (a zip file on `sys.path`, an ``.egg``
directory, a metadata directory whose suffix is not lower case, a meta-path finder other than the
standard one that can find distributions), `importlib.metadata` answers instead, so no installed
probe is ever missed. A line of the group that has no ``=``, or a file that is not UTF-8, is
skipped with a warning naming the file (`importlib.metadata` would raise, and stop every audit).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from importlib import import_module
from typing import Any

log = logging.getLogger(__name__)

#: `importlib.metadata.EntryPoint.pattern`: ``module[:attr.attr] [extras]``.
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")
_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class EntryPoint:
    """One ``name = value`` line of a distribution's ``entry_points.txt``."""

    name: str
    value: str
    """``module:attribute``, as written."""
    group: str

    def load(self) -> Any:
        """Import the module and return the attribute the value names, as `importlib.metadata` does."""
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"{self.value!r} is not of the form module:attribute")
        module = import_module(match.group("module"))
        return reduce(getattr, filter(None, (match.group("attr") or "").split(".")), module)


class _Unreadable(Exception):
    """A `sys.path` entry or metadata directory this reader leaves to `importlib.metadata`."""


def entry_points(group: str) -> list[EntryPoint]:
    """Every entry point of `group`, in `importlib.metadata`'s order, from the first distribution of
    each name on `sys.path`."""
    try:
        return list(_scan(group))
    except _Unreadable:
        return _standard(group)


def _standard(group: str) -> list[EntryPoint]:
    from importlib.metadata import entry_points as standard

    return [EntryPoint(e.name, e.value, e.group) for e in standard(group=group)]


def _scan(group: str) -> Iterator[EntryPoint]:
    from importlib.machinery import PathFinder

    if any(hasattr(finder, "find_distributions") and finder is not PathFinder for finder in sys.meta_path):
        raise _Unreadable  # another finder may know distributions that no directory shows
    seen: set[str] = set()
    for entry in sys.path:
        for info in _metadata_dirs(entry):
            name = _normalized(os.path.basename(info).rpartition(".")[0].partition("-")[0])
            if name in seen:
                continue
            seen.add(name)
            yield from _read(os.path.join(info, "entry_points.txt"), group)


def _metadata_dirs(entry: str) -> list[str]:
    root = entry or "."
    try:
        names = os.listdir(root)
    except NotADirectoryError:
        raise _Unreadable from None  # a zip file: its distributions are read by importlib.metadata
    except OSError:
        return []  # missing, or an import hook's name: importlib.metadata finds nothing there either
    if os.path.basename(root).lower().endswith(".egg"):
        raise _Unreadable
    found = []
    for name in names:
        low = name.lower()
        if low.endswith(_SUFFIXES):
            if not name.endswith(_SUFFIXES):
                raise _Unreadable  # importlib.metadata reads such a distribution's name from its metadata
            found.append(os.path.join(entry, name))
    return found


def _normalized(name: str) -> str:
    """`importlib.metadata.Prepared.normalize`: PEP 503 normalisation, with dashes as underscores."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _read(path: str, group: str) -> Iterator[EntryPoint]:
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("%s: cannot read the probe types it declares: %s", path, exc)
        return
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, sep, value = line.partition("=")
            if not sep:
                log.warning("%s: line %r of [%s] is not `name = module:attribute`; skipped",
                            path, line, group)
                continue
            yield EntryPoint(name.strip(), value.strip(), group)
