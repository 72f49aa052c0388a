"""What a change of server major explains, so that it is told apart from real drift.

Production on one major and staging on another differ in more than the version: settings
that one major added, removed or renamed, defaults that changed, and the versions of the
extensions each server ships. Settings that exist on one side only, and extensions that
each sit at their own server's default version, are explained by the version change: they
are no findings of their own, and the server version finding lists them. A setting whose
default changed stays a finding, and its message names the version change as the cause.
"""

from __future__ import annotations

from typing import Any

from fidelity.probe import Change, DiffChange, paths
from probes.postgres import settings


def majors(reference: Any, candidate: Any) -> tuple[int, int] | None:
    """The two servers' majors when they differ, else None."""
    found = [paths.lookup(tree, ("server", "version", "major")) for tree in (reference, candidate)]
    if all(isinstance(major, int) for major in found) and found[0] != found[1]:
        return found[0], found[1]
    return None


def _version(tree: Any) -> str:
    return ".".join(str(paths.lookup(tree, ("server", "version", part))) for part in ("major", "minor"))


def _one_sided(reference: Any, candidate: Any) -> tuple[list[str], list[str]]:
    """Built-in settings only in the reference, and only in the candidate."""
    ref, cand = (paths.lookup(tree, ("settings",)) or {} for tree in (reference, candidate))
    return ([n for n in sorted(ref) if n not in cand and settings.is_built_in(n)],
            [n for n in sorted(cand) if n not in ref and settings.is_built_in(n)])


def _at_defaults(name: str, reference: Any, candidate: Any) -> bool:
    """Extension `name` is at the default version its server offers, on both sides."""
    return all(paths.lookup(tree, ("extensions", name, "version")) == paths.lookup(
        tree, ("extensions", name, "default_version")) for tree in (reference, candidate))


def explains(change: DiffChange, reference: Any, candidate: Any) -> str | None:
    """Why the version change explains `change`, or None when it does not."""
    pair = majors(reference, candidate)
    if pair is None:
        return None
    segments, kind = change.segments, change.change
    cause = f"the server version change (PostgreSQL {pair[0]} → {pair[1]}) explains it"
    if segments == ("server", "version", "minor"):
        return f"server minor version: covered by the major version change, {cause}"
    if segments[0] == "settings" and len(segments) == 2 and settings.is_built_in(segments[1]):
        if kind is Change.CHANGED:
            if settings.default_changed(segments[1], pair, (change.reference, change.candidate)):
                return (f"the default changed between PostgreSQL {pair[0]} and {pair[1]}, so the server "
                        "version change explains it")
            return None
        side = pair[0] if kind is Change.MISSING else pair[1]
        return f"setting {segments[1]} exists in PostgreSQL {side} only: {cause}"
    if segments[0] == "extensions" and len(segments) == 3 and kind is Change.CHANGED and (
            segments[2] == "default_version"
            or (segments[2] == "version" and _at_defaults(segments[1], reference, candidate))):
        return f"extension {segments[1]}: each server's default version, {cause}"
    return None


def summary(reference: Any, candidate: Any) -> str:
    """What the version change explains, for the message of the server version finding."""
    pair = majors(reference, candidate)
    if pair is None:
        return ""
    text = f"; PostgreSQL {_version(reference)} → {_version(candidate)}"
    only_ref, only_cand = _one_sided(reference, candidate)
    parts = [f"{len(names)} setting(s) that exist in PostgreSQL {major} only ({', '.join(names)})"
             for major, names in ((pair[1], only_cand), (pair[0], only_ref)) if names]
    ref, cand = (paths.lookup(tree, ("settings",)) or {} for tree in (reference, candidate))
    defaults = [name for name in sorted(set(ref) & set(cand))
                if ref[name] != cand[name] and settings.default_changed(name, pair, (ref[name], cand[name]))]
    if defaults:
        parts.append(f"the changed default(s) of {', '.join(defaults)} (each reported as a setting)")
    ref_ext, cand_ext = (paths.lookup(tree, ("extensions",)) or {} for tree in (reference, candidate))
    extensions = [f"{name} {ref_ext[name].get('version')} → {cand_ext[name].get('version')}"
                  for name in sorted(set(ref_ext) & set(cand_ext))
                  if isinstance(ref_ext[name], dict) and isinstance(cand_ext[name], dict)
                  and ref_ext[name].get("version") != cand_ext[name].get("version")
                  and _at_defaults(name, reference, candidate)]
    if extensions:
        parts.append(f"extension version(s) {', '.join(extensions)}, each its server's default")
    return text + (f". The version change explains {'; '.join(parts)}" if parts else "")
