"""Reading rendered manifests instead of a cluster: YAML or JSON files, or a folder of them.

Covers multi-document YAML, `List` objects (`kubectl get -o yaml`) and `helm
template` output. Files are read like every file probe reads them (size bound,
encoding, binary refusal) and YAML with the same alias-bomb and depth limits.

The same object (kind, namespace, name) defined twice is a gap naming both files: which
definition is applied is unknown, so the object is left out and differences in it are not
reported. A key written twice in one YAML mapping is a warning (the last one is used).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fidelity.probe import ProbeError, key_as_shown, read_sources
from probes.config_files.formats import Duplicate, FormatError, parse
from probes.kubernetes.collect import CLUSTER_SLOT, SINGLE_SLOT, Collector, Plan
from probes.kubernetes.kinds import CRD, api_group, is_namespaced, kind_key, split_kind, wants

EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


def manifest_files(probe: str, path: str) -> list[tuple[str, str]]:
    """(name, path) of each manifest: the file itself, or every YAML/JSON file below a folder."""
    root = Path(path)
    if root.is_dir():
        found = sorted(p for p in root.rglob("*") if p.suffix.lower() in EXTENSIONS and p.is_file())
        if not found:
            raise ProbeError(f"probe {probe!r}: no .yaml, .yml or .json file in {root}")
        return [(p.relative_to(root).as_posix(), str(p)) for p in found]
    if not root.exists():
        raise ProbeError(f"probe {probe!r}: manifests path {root} does not exist")
    return [(root.name, str(root))]


def documents(tree: Any) -> Iterator[dict[str, Any]]:
    """The objects in one parsed file: each YAML document, and the items of any List."""
    for doc in tree if isinstance(tree, list) else [tree]:
        if not isinstance(doc, dict):
            continue  # an empty document between two '---'
        items = doc.get("items")
        if isinstance(items, list) and str(doc.get("kind", "")).endswith("List"):
            yield from documents(items)
        elif doc.get("kind"):
            yield doc


def read_manifests(probe: str, path: str, plan: Plan, collector: Collector) -> None:
    """Collect the objects of the manifests at `path`, filtered and slotted as a cluster's would be."""
    entries = [{"path": file, "name": name} for name, file in manifest_files(probe, path)]
    sources, gaps = read_sources(probe, {"paths": entries})
    for gap in gaps:  # an unreadable file hides objects: their absence is not drift
        collector.gap(gap.object, gap.message, ("objects",))
    wanted = [split_kind(entry) for entry in plan.kinds]
    namespaces = list(plan.namespaces)
    slots = plan.slot_names(probe, namespaces, collector.normaliser)
    for wanted_kind, wanted_group in wanted:
        for slot in slots if is_namespaced(wanted_kind) else [CLUSTER_SLOT]:
            collector.expect(slot, kind_key(wanted_kind, wanted_group))
    defined: dict[tuple[str, str, str], str] = {}  # (slot, kind, name) -> the file defining it
    twice: dict[tuple[str, str, str], str] = {}  # the same -> the message of its gap
    for source in sources:
        duplicates: list[Duplicate] = []
        try:
            tree = parse(EXTENSIONS.get(Path(source.filename).suffix, "yaml"), source.text, source.label,
                         duplicates)
        except FormatError as exc:
            collector.gap(source.name, str(exc), ("objects",))
            continue
        for duplicate in duplicates:
            key = key_as_shown(duplicate.key, collector.normaliser.keeper)  # never more than the data
            collector.warn(source.name, f"{source.label}: duplicate key {key!r} at lines "
                           f"{duplicate.first} and {duplicate.second}; the last one is used")
        for obj in documents(tree):
            kind = str(obj["kind"])
            if kind == CRD.kind and plan.crds:
                collector.add_crd(obj)
            group = api_group(obj.get("apiVersion"))
            if not any(wants(k, g, kind, group) for k, g in wanted):
                continue
            target = _slot(obj, kind, namespaces, slots)
            if target is None:
                continue
            name = _name(obj)
            if name is not None:
                where = (target, kind_key(kind, group), collector.normaliser.name(name))
                if where in defined:
                    twice.setdefault(where, _twice(obj, kind, name, defined[where], source.label))
                    continue
                defined[where] = source.label
            collector.add(target, kind, obj)
    for (slot, key, name), message in twice.items():
        collector.objects.get(slot, {}).get(key, {}).pop(name, None)
        collector.gap(f"{key}/{name}", message, ("objects", slot, key, name))


def _name(obj: dict[str, Any]) -> str | None:
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) else None
    return name if isinstance(name, str) else None


def _twice(obj: dict[str, Any], kind: str, name: str, first: str, second: str) -> str:
    """The gap message for an object defined twice, naming both files."""
    meta = obj.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    where = f" in namespace {namespace}" if isinstance(namespace, str) else ""
    files = f"twice in {first}" if first == second else f"in both {first} and {second}"
    return (f"{kind} {name}{where} is defined {files}; which one is applied is unknown, so it is left "
            "out; remove one of them")


def _slot(obj: dict[str, Any], kind: str, namespaces: list[str], slots: list[str]) -> str | None:
    """The slot of an object by its namespace; None when it is in a namespace not probed."""
    if not is_namespaced(kind):
        return CLUSTER_SLOT
    if not namespaces:
        return SINGLE_SLOT
    meta = obj.get("metadata")
    namespace = meta.get("namespace") if isinstance(meta, dict) else None
    if namespace is None:  # as `helm template` renders it: it goes where it is applied
        return slots[0]
    return slots[namespaces.index(namespace)] if namespace in namespaces else None
