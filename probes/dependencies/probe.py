"""The `dependencies` probe: locked package versions, from Python and npm lockfiles.

Data, and so the path grammar below the probe name::

    <file>/ecosystem              "pypi" or "npm"
    <file>/packages/<key>         version string

`<file>` is the file's basename (or its configured name). `<key>` is the package
name, canonicalised for Python; how each format keys a package found at several
versions is documented in `probes.dependencies.python` and `probes.dependencies.npm`.
A version change is judged by its distance: major, minor, patch, or smaller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from fidelity.probe import (
    Assessment,
    Category,
    Change,
    DiffChange,
    Gap,
    Probe,
    ProbeResult,
    Severity,
    check_sources,
    read_sources,
    source_options,
)
from probes.dependencies.formats import FORMATS, PARSERS, guess_format
from probes.dependencies.lockfile import LockfileError
from probes.dependencies.severity import classify, describe_step


class DependenciesProbe(Probe):
    """Reads lockfiles and requirement files and records each package's locked version."""

    type_name = "dependencies"
    category = Category.DEPENDENCY
    description = "locked package versions from Python and npm lockfiles or pip freeze"
    option_schema = source_options(FORMATS)
    severity_notes: ClassVar[tuple[tuple[str, Severity], ...]] = (
        ("dependency file missing from the candidate", Severity.HIGH),
        ("dependency file only in the candidate", Severity.MEDIUM),
        ("package missing from the candidate", Severity.HIGH),
        ("package only in the candidate", Severity.MEDIUM),
        ("major version change (or a PEP 440 epoch change), up or down", Severity.HIGH),
        ("minor version change", Severity.MEDIUM),
        ("patch version change", Severity.LOW),
        ("pre-release, post-release, local version or build metadata change", Severity.LOW),
        ("change that is not between two versions (specifier, URL) or only in notation", Severity.LOW),
        ("ecosystem of a file changed", Severity.MEDIUM),
    )

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> None:
        """Something to read: `paths` or `command`."""
        check_sources(options)

    def collect(self) -> ProbeResult:
        """Parse every configured file; unreadable or unparseable ones become gaps."""
        files, gaps = read_sources(self.name, self.options)
        data: dict[str, Any] = {}
        for source in files:
            fmt = source.format or guess_format(source.filename)
            if fmt not in PARSERS:
                gaps.append(Gap(source.name, f"{source.label}: cannot tell the dependency file format "
                                f"from its name; set `format` to one of: {', '.join(FORMATS)}",
                                (source.name,)))
                continue
            ecosystem, parse = PARSERS[fmt]
            try:
                packages = parse(source.text, source.label)
            except LockfileError as exc:
                gaps.append(Gap(source.name, str(exc), (source.name,)))
                continue
            data[source.name] = {"ecosystem": ecosystem, "packages": packages}
        return ProbeResult(data, tuple(gaps))

    @classmethod
    def assess(cls, change: DiffChange, reference: Any, candidate: Any) -> Assessment:
        """Judge a package by the distance between its versions; a whole file as missing or extra."""
        segments, kind = change.segments, change.change
        if len(segments) == 3 and segments[1] == "packages":
            name = segments[2]
            if kind is Change.MISSING:
                return cls._verdict(Severity.HIGH, f"{name} {change.reference} is missing from the candidate")
            if kind is Change.EXTRA:
                return cls._verdict(Severity.MEDIUM, f"{name} {change.candidate} is only in the candidate")
            ecosystem = _ecosystem(segments[0], reference, candidate)
            step, order = classify(ecosystem, str(change.reference), str(change.candidate))
            return cls._verdict(step.severity, f"{name}: {change.reference} → {change.candidate} "
                                f"({describe_step(step, order)})")
        if len(segments) == 1 and kind is Change.MISSING:
            return cls._verdict(Severity.HIGH, f"dependency file {segments[0]} is missing from the candidate")
        if len(segments) == 2 and segments[1] == "ecosystem" and kind is Change.CHANGED:
            return cls._verdict(Severity.MEDIUM, f"{segments[0]}: ecosystem {change.reference} → "
                                f"{change.candidate}")
        return super().assess(change, reference, candidate)

    @classmethod
    def _verdict(cls, severity: Severity, message: str) -> Assessment:
        return Assessment(severity, cls.category, message)


def _ecosystem(file: str, *trees: Any) -> str:
    """The ecosystem a file declares in either tree ('' when neither says)."""
    for tree in trees:
        entry = tree.get(file) if isinstance(tree, dict) else None
        if isinstance(entry, dict) and isinstance(entry.get("ecosystem"), str):
            return str(entry["ecosystem"])
    return ""
