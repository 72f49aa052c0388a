"""Default severity and category of each Kubernetes finding, judged from its path."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from fidelity.probe import FINGERPRINT_RE, Assessment, Category, Change, DiffChange, Severity, describe_change

CONTAINER_LISTS = frozenset({"containers", "initContainers", "ephemeralContainers"})
PROBES = frozenset({"livenessProbe", "readinessProbe", "startupProbe"})
CONFIG_KINDS = frozenset({"ConfigMap", "Secret"})
NODE_SEVERITY = {"kubelet_versions": Severity.MEDIUM, "container_runtimes": Severity.MEDIUM,
                 "architectures": Severity.MEDIUM, "os_images": Severity.LOW}
_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")
_POD_PREFIXES = ("spec/jobTemplate/spec/template/spec/", "spec/template/spec/")
_CONTAINER_RE = re.compile(r"(containers|initContainers|ephemeralContainers)/([^/]+)/?(.*)", re.DOTALL)
_ADDED_OR_GONE = {Change.MISSING: Severity.HIGH, Change.EXTRA: Severity.MEDIUM,
                  Change.CHANGED: Severity.MEDIUM}

#: (what, default severity), as `fidelity probes` and the docs list them.
SEVERITY_NOTES = (
    ("an object (workload, Service, ConfigMap, ...) missing from the candidate", Severity.HIGH),
    ("an object only in the candidate", Severity.MEDIUM),
    ("a container missing from a workload", Severity.HIGH),
    ("an env var missing from a container", Severity.HIGH),
    ("a ConfigMap or Secret key missing", Severity.HIGH),
    ("a container, env var or key only in the candidate", Severity.MEDIUM),
    ("an image repository, tag or digest that differs (or a digest missing)", Severity.HIGH),
    ("an env var value or source that differs", Severity.MEDIUM),
    ("a Service's selector or ports that differ or are missing (traffic reaches other pods, or none)",
     Severity.HIGH),
    ("liveness, readiness or startup probes that differ", Severity.MEDIUM),
    ("a securityContext that differs", Severity.MEDIUM),
    ("resources (requests, limits) that differ", Severity.LOW),
    ("spec.replicas that differs", Severity.LOW),
    ("spec.replicas that differs while an HPA manages the workload", Severity.INFO),
    ("a Secret value, or a secret-looking env or ConfigMap value, that differs (by keyed fingerprint)",
     Severity.LOW),
    ("annotations or apiVersion that differ", Severity.LOW),
    ("any other field of an object that differs, is missing or is extra", Severity.MEDIUM),
    ("server version: major or minor version differs", Severity.HIGH),
    ("server version: patch differs", Severity.MEDIUM),
    ("server version: only a vendor suffix differs", Severity.LOW),
    ("node kubelet versions, container runtimes or architectures differ", Severity.MEDIUM),
    ("node OS images differ", Severity.LOW),
    ("a CRD missing from the candidate", Severity.HIGH),
    ("a CRD only in the candidate, or its served versions differ", Severity.MEDIUM),
    ("server or node facts on one side only (one side read from manifests)", Severity.INFO),
)


def assess(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    """Judge one change by where it is: cluster facts, CRDs or an object's field."""
    head = change.segments[0] if change.segments else ""
    if head == "objects":
        return _object(change, reference, candidate)
    if head in ("server", "nodes") and len(change.segments) == 1:
        return _verdict(Severity.INFO, Category.DEPENDENCY, change,
                        f"{head}: read from a live cluster on one side only; not compared")
    if head == "server":
        return _verdict(_version_severity(change), Category.DEPENDENCY, change, "server version")
    if head == "nodes":
        field = change.segments[-1]
        severity = NODE_SEVERITY.get(field, Severity.MEDIUM)
        return _verdict(severity, Category.DEPENDENCY, change, f"nodes {field}")
    if head == "crds":
        severity = Severity.HIGH if change.change is Change.MISSING else Severity.MEDIUM
        name = change.segments[1] if len(change.segments) > 1 else "CRDs"
        return _verdict(severity, Category.INFRASTRUCTURE, change, f"CRD {name}")
    return _verdict(_ADDED_OR_GONE[change.change], Category.INFRASTRUCTURE, change, "/".join(change.segments))


def _object(change: DiffChange, reference: Any, candidate: Any) -> Assessment:
    segments = change.segments
    kind = segments[2] if len(segments) > 2 else ""
    category = Category.CONFIG if kind in CONFIG_KINDS else Category.INFRASTRUCTURE
    if len(segments) <= 4:
        what = f"{kind} {segments[3]}" if len(segments) == 4 else f"all {kind or 'namespace'} objects"
        return _verdict(_ADDED_OR_GONE[change.change], category, change, what)
    name, rest = segments[3], segments[4:]
    where = f"{kind} {name}: {_field(rest)}"
    if "env" in rest or "envFrom" in rest:
        category = Category.CONFIG
    containers = next((i for i, s in enumerate(rest) if s in CONTAINER_LISTS), None)
    if containers is not None and len(rest) > containers + 2 and rest[containers + 2] == "image":
        severity = Severity.MEDIUM if change.change is Change.EXTRA else Severity.HIGH
        return _verdict(severity, Category.DEPENDENCY, change, where)
    if change.change is not Change.CHANGED and (
            _whole_item(rest, CONTAINER_LISTS) or _whole_item(rest, {"env"})
            or (kind in CONFIG_KINDS and len(rest) == 2 and rest[0] == "data")):
        return _verdict(_ADDED_OR_GONE[change.change], category, change, where)
    if change.change is Change.CHANGED and _only_secrets_differ(change):
        return _verdict(Severity.LOW, category, change, where)
    if kind == "Service" and rest[:2] in (("spec", "selector"), ("spec", "ports")) \
            and change.change is not Change.EXTRA:  # the traffic reaches other pods, or none
        return _verdict(Severity.HIGH, category, change, where)
    if rest == ("spec", "replicas"):
        managed = _autoscaled(reference, segments) or _autoscaled(candidate, segments)
        return _verdict(Severity.INFO if managed else Severity.LOW, category, change,
                        where + (" (an HPA manages it)" if managed else ""))
    if "resources" in rest:
        return _verdict(Severity.LOW, category, change, where)
    if PROBES.intersection(rest) or "securityContext" in rest:
        return _verdict(Severity.MEDIUM, category, change, where)
    if rest[0] == "apiVersion" or (rest[0] == "metadata" and "annotations" in rest[:2]):
        return _verdict(Severity.LOW, category, change, where)
    return _verdict(Severity.MEDIUM, category, change, where)


def _field(rest: tuple[str, ...]) -> str:
    """A field in words: 'container web image/tag' for spec/template/spec/containers/web/image/tag."""
    text = "/".join(rest)
    for prefix in _POD_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    match = _CONTAINER_RE.match(text)
    if match is None:
        return text
    what = {"containers": "container", "initContainers": "init container"}.get(match[1],
                                                                                "ephemeral container")
    return f"{what} {match[2]}" + (f" {match[3]}" if match[3] else "")


def _whole_item(rest: tuple[str, ...], lists: set[str] | frozenset[str]) -> bool:
    """True when the path ends at one item of a keyed list: .../containers/<name>."""
    return len(rest) >= 2 and rest[-2] in lists


def _only_secrets_differ(change: DiffChange) -> bool:
    """True when the values differ only inside keyed fingerprints."""
    compared = change.candidate if change.rewritten is None else change.rewritten
    values = (change.reference, compared)
    if not all(isinstance(v, str) and FINGERPRINT_RE.search(v) for v in values):
        return False
    return FINGERPRINT_RE.sub("", str(values[0])) == FINGERPRINT_RE.sub("", str(values[1]))


def _autoscaled(tree: Any, segments: tuple[str, ...]) -> bool:
    """True when an HPA in the same slot targets this workload."""
    slot, kind, name = segments[1:4]
    hpas = ((tree.get("objects") or {}).get(slot) or {}).get("HorizontalPodAutoscaler") \
        if isinstance(tree, dict) else None
    for hpa in (hpas or {}).values():
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if target.get("kind") == kind and target.get("name") == name:
            return True
    return False


def _version_severity(change: DiffChange) -> Severity:
    """Minor or major differs: high; patch: medium; anything else (vendor suffix): low."""
    a, b = (_VERSION_RE.match(str(v or "")) for v in (change.reference, change.candidate))
    if change.change is not Change.CHANGED or a is None or b is None:
        return Severity.HIGH if change.change is Change.MISSING else Severity.MEDIUM
    if a.group(1, 2) != b.group(1, 2):
        return Severity.HIGH
    return Severity.MEDIUM if a[3] != b[3] else Severity.LOW


def _verdict(severity: Severity, category: Category, change: DiffChange, what: str) -> Assessment:
    return Assessment(severity, category, describe_change(dataclasses.replace(change, segments=(what,))))
