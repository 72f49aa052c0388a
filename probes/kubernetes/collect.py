"""One snapshot tree from a live cluster or from manifests, the same shape either way.

`Plan` says what to read and `Collector` builds the tree; `live` and `manifests` import
them and fill a collector, and the probe (`probes.kubernetes.probe`) chooses which one
runs. This module imports neither, so there is no import cycle between them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fidelity.probe import Gap, ProbeError, ProbeResult, ProbeWarning, SecretKeeper
from probes.kubernetes.kinds import CRD, DEFAULT_KINDS, KNOWN, NODE, api_group, kind_key, split_kind, wants
from probes.kubernetes.normalise import Normaliser, mapping
from probes.kubernetes.selector import Requirement, parse_selector, selects

#: The path segment of the one namespace probed in each environment.
SINGLE_SLOT = "namespace"
#: The path segment of cluster-scoped objects; parentheses cannot occur in a namespace name.
CLUSTER_SLOT = "(cluster)"
#: Node facts, aggregated: path segment -> field of status.nodeInfo.
NODE_FIELDS = {"kubelet_versions": "kubeletVersion", "container_runtimes": "containerRuntimeVersion",
               "os_images": "osImage", "architectures": "architecture"}


@dataclass(frozen=True)
class Plan:
    """What to read, from the options."""

    kinds: tuple[str, ...]
    """`kinds` entries (Kind or Kind.group) left after `exclude_kinds`."""
    nodes: bool
    """Whether to aggregate node facts."""
    crds: bool
    """Whether to list CRDs."""
    selector: str
    """The label selector as written."""
    namespaces: tuple[str, ...]
    """Namespaces to read, in pairing order."""
    slots: tuple[str, ...]
    """`namespace_slots`, when given."""

    @classmethod
    def from_options(cls, opts: Mapping[str, Any]) -> Plan:
        """Resolve defaults and exclusions."""
        excluded = set(opts.get("exclude_kinds") or ())
        kinds = opts.get("kinds")
        entries = tuple(k for k in (DEFAULT_KINDS if kinds is None else kinds) if not _excluded(k, excluded))
        return cls(entries, NODE.kind not in excluded, CRD.kind not in excluded,
                   str(opts.get("label_selector") or ""), tuple(opts.get("namespaces") or ()),
                   tuple(opts.get("namespace_slots") or ()))

    def slot_names(self, probe: str, namespaces: Sequence[str], normaliser: Normaliser) -> list[str]:
        """Path segments for `namespaces`, by position: given, constant, or the names after `rename`."""
        if self.slots:
            if len(self.slots) != len(namespaces):
                raise ProbeError(f"probe {probe!r}: namespace_slots has {len(self.slots)} name(s) for "
                                 f"{len(namespaces)} namespace(s); give one per namespace")
            return list(self.slots)
        if len(namespaces) <= 1:
            return [SINGLE_SLOT]
        return [normaliser.name(namespace) for namespace in namespaces]


def _excluded(entry: str, excluded: Iterable[str]) -> bool:
    """Whether `exclude_kinds` leaves out this `kinds` entry. A bare built-in name (`Service`) means the
    built-in kind, as in `kinds`: Knative's `Service.serving.knative.dev` stays unless it is named;
    `Kind.group` means that group; a bare custom kind (any group) goes only with its bare name."""
    kind, group = split_kind(entry)
    known = KNOWN.get(kind)
    if group is None and known is None:
        return entry in excluded
    own = group if group is not None else known[0] if known is not None else None
    return any(wants(*split_kind(out), kind, own) for out in excluded)


class Collector:
    """Builds the probe's data tree from objects, CRDs and nodes, and records gaps."""

    def __init__(self, normaliser: Normaliser, selector: tuple[Requirement, ...]) -> None:
        self.normaliser = normaliser
        self.selector = selector
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.data: dict[str, Any] = {"objects": self.objects}
        self.gaps: list[Gap] = []
        self.warnings: list[ProbeWarning] = []

    def add(self, slot: str, kind: str, obj: Any) -> None:
        """Normalise one object into objects/<slot>/<Kind>/<name>, unless it is filtered out."""
        meta = obj.get("metadata") if isinstance(obj, dict) else None
        if not isinstance(meta, dict) or not isinstance(meta.get("name"), str):
            return
        labels = meta.get("labels")
        if self.selector and not selects(self.selector, labels if isinstance(labels, dict) else None):
            return
        if self.normaliser.is_cluster_created(kind, obj):
            return
        name = self.normaliser.name(meta["name"])
        key = kind_key(kind, api_group(obj.get("apiVersion")))
        self.objects.setdefault(slot, {}).setdefault(key, {})[name] = self.normaliser.normalise(kind, obj)

    def expect(self, slot: str, kind: str) -> None:
        """Mark a kind as read in a slot: a missing object is then reported by name, even the only one."""
        self.objects.setdefault(slot, {}).setdefault(kind, {})

    def add_crd(self, obj: Any) -> None:
        """Record a CRD's served versions under crds/<name>/versions."""
        obj = mapping(obj)
        name = mapping(obj.get("metadata")).get("name")
        if not isinstance(name, str):
            return
        versions = mapping(obj.get("spec")).get("versions")
        served = sorted(str(v["name"]) for v in versions
                        if isinstance(v, dict) and "name" in v and v.get("served", True)) \
            if isinstance(versions, list) else []
        self.data.setdefault("crds", {})[name] = {"versions": served}

    def add_nodes(self, nodes: Iterable[Any]) -> None:
        """Aggregate node facts into sorted lists of distinct values."""
        infos = [mapping(mapping(mapping(n).get("status")).get("nodeInfo")) for n in nodes]
        self.data["nodes"] = {key: sorted({str(info[field]) for info in infos if info.get(field)})
                              for key, field in NODE_FIELDS.items()}

    def gap(self, what: str, message: str, segments: tuple[str, ...]) -> None:
        """Record a part that could not be read."""
        self.gaps.append(Gap(object=what, message=message, segments=segments))

    def warn(self, what: str, message: str) -> None:
        """Record something read but doubtful, e.g. a key written twice."""
        self.warnings.append(ProbeWarning(object=what, message=message))

    def result(self) -> ProbeResult:
        """The collected tree, gaps and warnings (a Secret's value written again elsewhere, in a
        ConfigMap, an env value or an annotation, is fingerprinted there when the snapshot is taken)."""
        return ProbeResult(self.data, tuple(self.gaps), tuple(self.warnings))


def start(opts: Mapping[str, Any], secrets: SecretKeeper) -> tuple[Plan, Collector]:
    """The plan and an empty collector for these options, for `live` or `manifests` to fill."""
    plan = Plan.from_options(opts)
    normaliser = Normaliser(secrets, opts.get("rename"), bool(opts.get("include_cluster_objects")),
                            tuple(opts.get("secret_keys") or ()))
    return plan, Collector(normaliser, parse_selector(plan.selector))
