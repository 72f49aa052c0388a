"""The probe registry: every probe type, built-in or not, comes from one entry-point group."""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from fidelity.probe import Probe

GROUP = "fidelity.probes"
log = logging.getLogger(__name__)


@cache
def probe_types() -> dict[str, type[Probe]]:
    """Map each registered type name to its probe class, sorted by name.

    A plugin that fails to load is skipped with a warning so that one broken
    third-party package cannot stop every audit.
    """
    found: dict[str, type[Probe]] = {}
    for entry in entry_points(group=GROUP):
        try:
            cls = entry.load()
        except Exception as exc:  # a plugin's import error is the plugin's bug, not ours
            log.warning("probe type %r (%s) failed to load: %s", entry.name, entry.value, exc)
            continue
        if not (isinstance(cls, type) and issubclass(cls, Probe)):
            log.warning("probe type %r (%s) is not a fidelity Probe; skipped", entry.name, entry.value)
            continue
        if entry.name != cls.type_name:
            log.warning(
                "probe type %r (%s) declares type_name %r; registered as %r",
                entry.name, entry.value, cls.type_name, entry.name,
            )
        if entry.name in found and found[entry.name] is not cls:
            log.warning("probe type %r is registered twice; keeping %s", entry.name, found[entry.name])
            continue
        found[entry.name] = cls
    return dict(sorted(found.items()))


def get(type_name: str) -> type[Probe] | None:
    """The probe class for `type_name`, or None when no such type is registered."""
    return probe_types().get(type_name)
