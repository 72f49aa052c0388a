"""Reading a live cluster: discovery, then one paginated list per kind and namespace."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fidelity.probe import ProbeError
from probes.kubernetes.client import Cluster, RequestFailed
from probes.kubernetes.collect import CLUSTER_SLOT, SINGLE_SLOT, Collector, Plan
from probes.kubernetes.kinds import CRD, KNOWN, NODE, Resource, kind_key, known_resource, split_kind

log = logging.getLogger(__name__)
#: Lists fetched ahead of the one being normalised.
FETCH_THREADS = 4
_Items = list[dict[str, Any]] | RequestFailed


class Discovery:
    """The API groups and versions a server serves, and which resource serves a kind."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        listing = cluster.get("/apis")
        if not isinstance(listing, dict) or listing.get("kind") != "APIGroupList" \
                or not isinstance(listing.get("groups"), list):
            raise RequestFailed(200, "GET /apis did not return an API group list (APIGroupList); is this "
                                     "the Kubernetes API server, and is the context's server URL right?")
        groups = listing["groups"]
        self.served = {g["name"]: [v["version"] for v in g.get("versions") or ()] for g in groups}
        self.preferred = {g["name"]: (g.get("preferredVersion") or {}).get("version") for g in groups}
        self.lists: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def resolve(self, entry: str) -> Resource | None:
        """The resource for a `kinds` entry, or None when this server does not serve it."""
        kind, group = split_kind(entry)
        known = KNOWN.get(kind)
        if known is not None and group in (None, known[0]):
            resource = known_resource(kind, self.served)
            if resource is not None:
                return resource
            group = known[0]
        candidates = [("", "v1")] if group in (None, "") else []
        candidates += [(g, v) for g, v in self.preferred.items() if v and group in (None, g)]
        for group_name, version in candidates:
            for item in self.resources(group_name, version):
                if item.get("kind") == kind and "/" not in item.get("name", "/") \
                        and "list" in (item.get("verbs") or ()):
                    return Resource(kind, group_name, version, item["name"], bool(item.get("namespaced")))
        return None

    def resources(self, group: str, version: str) -> list[dict[str, Any]]:
        """The APIResourceList of one group version (cached)."""
        key = (group, version)
        if key not in self.lists:
            path = f"/apis/{group}/{version}" if group else f"/api/{version}"
            try:
                self.lists[key] = list(self.cluster.get(path).get("resources") or ())
            except RequestFailed as exc:
                log.warning("%s: discovery of %s failed: %s", self.cluster.where(), path, exc)
                self.lists[key] = []
        return self.lists[key]


def read_cluster(probe: str, opts: Mapping[str, Any], plan: Plan, collector: Collector) -> None:
    """Collect server version, objects, node facts and CRDs from the cluster the options name."""
    cluster = Cluster(probe, opts)
    try:
        _read(cluster, plan, collector)
    finally:
        cluster.close()


@dataclass(frozen=True)
class _List:
    """One list to read: a kind in a namespace (slot), or a cluster fact (Node, CRD)."""

    resource: Resource
    namespace: str | None
    slot: str | None
    selector: str = ""

    def segments(self) -> tuple[str, ...]:
        if self.slot is None:
            return ("nodes",) if self.resource is NODE else ("crds",)
        return ("objects", self.slot, kind_key(self.resource.kind, self.resource.group))


def _read(cluster: Cluster, plan: Plan, collector: Collector) -> None:
    try:
        version = cluster.get("/version")
        if not isinstance(version, dict) or not isinstance(version.get("gitVersion"), str):
            raise RequestFailed(200, "GET /version did not return a Kubernetes version (no gitVersion); "
                                     "is this the Kubernetes API server?")
        discovery = Discovery(cluster)
    except RequestFailed as exc:
        raise ProbeError(f"{cluster.where()}: the API server at {cluster.host} did not answer discovery: "
                         f"{exc}") from None
    collector.data["server"] = {"version": str(version.get("gitVersion", ""))}
    namespaces = list(plan.namespaces) or [cluster.namespace]
    slots = plan.slot_names(cluster.probe, namespaces, collector.normaliser)
    lists: list[_List] = []
    for entry in plan.kinds:
        resource = discovery.resolve(entry)
        if resource is None:
            log.warning("%s: kind %s is not served by this cluster; nothing to compare", cluster.where(),
                        entry)
            continue
        targets = list(zip(namespaces, slots, strict=True)) if resource.namespaced else [(None, CLUSTER_SLOT)]
        lists += [_List(resource, namespace, slot, plan.selector) for namespace, slot in targets]
    lists += [_List(NODE, None, None)] if plan.nodes else []
    lists += [_List(CRD, None, None)] if plan.crds else []
    for read, items in _fetched(cluster, lists):
        if isinstance(items, RequestFailed):
            what = read.resource.kind if read.slot in (None, SINGLE_SLOT, CLUSTER_SLOT) \
                else f"{read.slot}/{read.resource.kind}"
            collector.gap(what, _explain(cluster, read.resource, read.namespace, items), read.segments())
        elif read.resource is NODE:
            collector.add_nodes(items)
        elif read.resource is CRD:
            for crd in items:
                collector.add_crd(crd)
        else:
            collector.expect(str(read.slot), kind_key(read.resource.kind, read.resource.group))
            for item in items:
                collector.add(str(read.slot), read.resource.kind, item)


def _fetched(cluster: Cluster, lists: list[_List]) -> Iterator[tuple[_List, _Items]]:
    """Each list's items (or its failure), in order.

    A few threads wait for the first pages ahead of the caller, so round trips to
    the API server overlap; parsing and further pages stay in the calling thread,
    where JSON decoding does not compete with normalising for the interpreter.
    """
    def first(read: _List) -> bytes | RequestFailed:
        try:
            return cluster.first_page(read.resource, read.namespace, read.selector)
        except RequestFailed as exc:
            return exc

    with ThreadPoolExecutor(max_workers=FETCH_THREADS, thread_name_prefix="k8s-list") as pool:
        pending: deque[tuple[_List, Future[bytes | RequestFailed]]] = deque()
        for read in lists:
            pending.append((read, pool.submit(first, read)))
            if len(pending) > FETCH_THREADS:
                done, future = pending.popleft()
                yield done, _items(cluster, done, future.result())
        while pending:
            done, future = pending.popleft()
            yield done, _items(cluster, done, future.result())


def _items(cluster: Cluster, read: _List, page: bytes | RequestFailed) -> _Items:
    if isinstance(page, RequestFailed):
        return page
    try:
        return list(cluster.list_items(read.resource, read.namespace, read.selector, first=page))
    except RequestFailed as exc:
        return exc


def _explain(cluster: Cluster, resource: Resource, namespace: str | None, exc: RequestFailed) -> str:
    """Why a list failed and what to do; for 403, the exact RBAC rule to grant."""
    where = f'in namespace "{namespace}"' if namespace else "cluster-wide"
    head = f"cannot list {resource.plural} {where} (context {cluster.context!r})"
    if exc.status == 403:
        role = f'a Role in namespace "{namespace}"' if namespace else "a ClusterRole"
        return (f"{head}: forbidden; grant {role} the rule {{{resource.rbac_rule()}}}, or leave "
                f"{resource.kind} out with `exclude_kinds`")
    if exc.status == 0:
        return f"{head}: {exc}; raise `request_timeout` or check the API server"
    return f"{head}: {exc}"
