"""The probe registry: every probe type, built-in or not, comes from one entry-point group.

A type's module is imported when the type is first asked for, so that an audit of config files
does not pay for importing the PostgreSQL or Kubernetes probes; listing every type loads them all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from functools import cache

from fidelity.probe import Probe
from fidelity.probe.entry_points import EntryPoint, entry_points

GROUP = "fidelity.probes"
log = logging.getLogger(__name__)


def _load(entry: EntryPoint) -> type[Probe] | None:
    """The probe class an entry point names, or None (with a warning) when it is broken."""
    try:
        cls = entry.load()
    except Exception as exc:  # a plugin's import error is the plugin's bug, not ours
        log.warning("probe type %r (%s) failed to load: %s", entry.name, entry.value, exc)
        return None
    if not (isinstance(cls, type) and issubclass(cls, Probe)):
        log.warning("probe type %r (%s) is not a fidelity Probe; skipped", entry.name, entry.value)
        return None
    if entry.name != cls.type_name:
        log.warning(
            "probe type %r (%s) declares type_name %r; registered as %r",
            entry.name, entry.value, cls.type_name, entry.name,
        )
    return cls


class ProbeTypes(Mapping[str, type[Probe]]):
    """Each registered type name to its probe class, sorted by name, each loaded on first use.

    A plugin that fails to load is skipped with a warning so that one broken third-party package
    cannot stop every audit; iterating (or `len`) loads every type to know which ones load.
    """

    def __init__(self) -> None:
        self._entries: dict[str, list[EntryPoint]] = {}
        for entry in entry_points(group=GROUP):
            self._entries.setdefault(entry.name, []).append(entry)
        self._loaded: dict[str, type[Probe] | None] = {}

    def _get(self, name: str) -> type[Probe] | None:
        if name not in self._loaded:
            found: type[Probe] | None = None
            for entry in self._entries.get(name, ()):
                cls = _load(entry)
                if cls is None:
                    continue
                if found is not None and found is not cls:
                    log.warning("probe type %r is registered twice; keeping %s", name, found)
                    continue
                found = cls
            self._loaded[name] = found
        return self._loaded[name]

    def __getitem__(self, name: str) -> type[Probe]:
        cls = self._get(name) if isinstance(name, str) else None
        if cls is None:
            raise KeyError(name)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter([name for name in sorted(self._entries) if self._get(name) is not None])

    def __len__(self) -> int:
        return sum(1 for _ in self)


@cache
def probe_types() -> Mapping[str, type[Probe]]:
    """Map each registered type name to its probe class, sorted by name (loaded on first use)."""
    return ProbeTypes()


def get(type_name: str) -> type[Probe] | None:
    """The probe class for `type_name`, or None when no such type is registered."""
    return probe_types().get(type_name)


def known_names() -> str:
    """The registered type names, for messages: "a, b, c", or "none installed"."""
    return ", ".join(probe_types()) or "none installed"
