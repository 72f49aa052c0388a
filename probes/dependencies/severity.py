"""How far apart two versions of one package are, and so how severe the change is."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from fidelity.probe import Severity

if TYPE_CHECKING:  # imported where versions are compared, so that listing probe types stays quick
    import semver


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
    from packaging.version import InvalidVersion, Version

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
    import semver

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
