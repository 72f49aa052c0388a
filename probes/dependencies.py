"""The `dependencies` probe: locked package versions, from Python and npm lockfiles.

Data, and so the path grammar below the probe name::

    <file>/ecosystem              "pypi" or "npm"
    <file>/packages/<key>         version string

`<file>` is the file's basename (or its configured name). `<key>` is the package
name, canonicalised for Python; how each format keys a package found at several
versions is documented in `probes.lockfiles_python` and `probes.lockfiles_npm`.
A version change is judged by its distance: major, minor, patch, or smaller.
"""

from __future__ import annotations

import enum
import fnmatch
from collections.abc import Callable
from typing import Any, ClassVar

import semver
from packaging.version import InvalidVersion, Version

from fidelity.model import Category, Change, Severity
from fidelity.probe import Assessment, DiffChange, Gap, Probe, ProbeResult
from fidelity.probe.sources import read_sources, source_options
from probes.lockfiles import LockfileError
from probes.lockfiles_npm import parse_package_lock, parse_pnpm_lock, parse_yarn_lock
from probes.lockfiles_python import (
    parse_pip_freeze,
    parse_pipfile_lock,
    parse_poetry_lock,
    parse_requirements,
    parse_uv_lock,
)

Parser = Callable[[str, str], dict[str, str]]

#: Format name -> (ecosystem, parser).
PARSERS: dict[str, tuple[str, Parser]] = {
    "requirements": ("pypi", parse_requirements),
    "pip-freeze": ("pypi", parse_pip_freeze),
    "poetry-lock": ("pypi", parse_poetry_lock),
    "uv-lock": ("pypi", parse_uv_lock),
    "pipfile-lock": ("pypi", parse_pipfile_lock),
    "package-lock": ("npm", parse_package_lock),
    "yarn-lock": ("npm", parse_yarn_lock),
    "pnpm-lock": ("npm", parse_pnpm_lock),
}
FORMATS = tuple(PARSERS)

#: File-name globs (lower case) that tell the format when `format` is not set.
FILE_FORMATS = (
    ("*requirements*.txt", "requirements"),
    ("poetry.lock", "poetry-lock"),
    ("uv.lock", "uv-lock"),
    ("pipfile.lock", "pipfile-lock"),
    ("package-lock.json", "package-lock"),
    ("npm-shrinkwrap.json", "package-lock"),
    ("yarn.lock", "yarn-lock"),
    ("pnpm-lock.yaml", "pnpm-lock"),
)


def guess_format(path: str) -> str | None:
    """The format a file's name implies, or None."""
    base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return next((fmt for pattern, fmt in FILE_FORMATS if fnmatch.fnmatchcase(base, pattern)), None)


class Step(str, enum.Enum):
    """How far apart two versions of one package are."""

    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"
    PRERELEASE = "pre-release"
    POST = "post-release"
    LOCAL = "local version"
    BUILD = "build metadata"
    NOTATION = "notation"
    """Equal versions written differently (1.0 and 1.0.0)."""
    OTHER = "not comparable"
    """Either side is not a version: a specifier, a URL, a tag."""

    @property
    def severity(self) -> Severity:
        """Major is high, minor medium, anything smaller or unknown low."""
        return {Step.MAJOR: Severity.HIGH, Step.MINOR: Severity.MEDIUM}.get(self, Severity.LOW)


def _release_step(a: tuple[int, ...], b: tuple[int, ...]) -> Step | None:
    width = max(len(a), len(b), 3)
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    index = next((i for i in range(width) if a[i] != b[i]), None)
    if index is None:
        return None
    return (Step.MAJOR, Step.MINOR)[index] if index < 2 else Step.PATCH


def _pypi_step(a: str, b: str) -> tuple[Step, int]:
    try:
        va, vb = Version(a), Version(b)
    except InvalidVersion:
        return Step.OTHER, 0
    order = (va > vb) - (va < vb)
    if va.epoch != vb.epoch:
        return Step.MAJOR, order
    step = _release_step(va.release, vb.release)
    if step is None:
        step = (Step.PRERELEASE if (va.pre, va.dev) != (vb.pre, vb.dev)
                else Step.POST if va.post != vb.post
                else Step.LOCAL if va.local != vb.local else Step.NOTATION)
    return step, 0 if step is Step.LOCAL else order  # no order among local labels (+cpu, +cu118)


def npm_version(text: str) -> semver.Version | None:
    """Parse an npm version leniently ("v1.2", "1.2", "npm:pkg@1.2.3"), or None."""
    text = text.strip()
    if text.startswith("npm:"):
        text = text.rpartition("@")[2]
    try:
        return semver.Version.parse(text.lstrip("v="), optional_minor_and_patch=True)
    except (ValueError, TypeError):
        return None


def _npm_step(a: str, b: str) -> tuple[Step, int]:
    va, vb = npm_version(a), npm_version(b)
    if va is None or vb is None:
        return Step.OTHER, 0
    step = _release_step(va.to_tuple()[:3], vb.to_tuple()[:3])
    if step is None:
        step = (Step.PRERELEASE if va.prerelease != vb.prerelease
                else Step.BUILD if va.build != vb.build else Step.NOTATION)
    return step, va.compare(vb)


def classify(ecosystem: str, reference: str, candidate: str) -> tuple[Step, int]:
    """The step between two versions and their order: -1 an upgrade, 1 a downgrade, 0 neither."""
    step, order = (_pypi_step if ecosystem == "pypi" else _npm_step)(reference, candidate)
    return step, (order > 0) - (order < 0)


def describe_step(step: Step, order: int) -> str:
    """'major upgrade', 'patch downgrade', 'local version change', ..."""
    if step is Step.NOTATION:
        return "same version, written differently"
    if step is Step.OTHER:
        return "not comparable"
    return f"{step.value} {('downgrade', 'change', 'upgrade')[1 - order]}"


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
