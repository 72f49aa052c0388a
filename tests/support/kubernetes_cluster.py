"""A fake cluster's state: manifests applied as an API server would store them.

`apply` adds what a real API server and its controllers add to an applied
manifest (uid, resourceVersion, managedFields, status, cluster IPs, node ports,
the last-applied annotation, stringData folded into base64 data, ...), with values
drawn from a seeded generator, so two clusters holding the same manifests differ
in every server-managed field and in nothing else.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import random
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from probes.kubernetes.kinds import is_builtin, is_namespaced
from probes.kubernetes.quantity import parse_quantity

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass
class FakeCluster:
    """What a fake API server serves, and how it misbehaves."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    """Stored objects (with kind, apiVersion and metadata.namespace)."""
    version: str = "v1.29.3"
    """gitVersion of /version and of the nodes' kubelets."""
    token: str = "fake-token-0123456789"
    """The bearer token the server accepts."""
    forbidden: set[tuple[str, str | None]] = field(default_factory=set)
    """(plural, namespace) pairs answered 403; namespace None forbids it everywhere."""
    failing: dict[str, int] = field(default_factory=dict)
    """plural -> HTTP status to answer lists with (404, 500; 410 answers the next continue request)."""
    hanging: set[str] = field(default_factory=set)
    """Plurals whose lists never answer."""


class Applier:
    """Applies manifests the way `kubectl apply` and the control plane would, from one seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=seed % 300)

    def stamp(self) -> str:
        """A fresh server timestamp."""
        self.clock += dt.timedelta(seconds=self.rng.randrange(1, 5000))
        return self.clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def token(self, size: int = 5) -> str:
        """A random suffix like the ones controllers generate."""
        return "".join(self.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(size))

    def apply(self, manifest: dict[str, Any], namespace: str) -> dict[str, Any]:
        """The stored object for one manifest."""
        obj = copy.deepcopy(manifest)
        kind = obj["kind"]
        meta = obj.setdefault("metadata", {})
        if is_namespaced(kind):
            meta["namespace"] = meta.get("namespace") or namespace
        meta.update(uid=str(uuid.UUID(int=self.rng.getrandbits(128))),
                    resourceVersion=str(self.rng.randrange(10**6, 10**8)),
                    creationTimestamp=self.stamp(), selfLink=f"/fake/{kind}/{meta['name']}")
        if "spec" in obj:
            meta["generation"] = self.rng.randrange(1, 40)
        meta.setdefault("annotations", {})[LAST_APPLIED] = json.dumps(manifest, sort_keys=True) + "\n"
        _canonical_quantities(obj)
        meta["managedFields"] = [{
            "manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": obj["apiVersion"],
            "time": self.stamp(), "fieldsType": "FieldsV1", "fieldsV1": _fields(manifest)}]
        hook = getattr(self, "_" + kind.lower(), None)  # what the server adds to a built-in kind
        if hook is not None and is_builtin(kind, obj["apiVersion"]):
            hook(obj)
        return obj

    def _deployment(self, obj: dict[str, Any]) -> None:
        obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = str(self.rng.randrange(1, 60))
        pod = obj["spec"]["template"]
        pod.setdefault("metadata", {}).setdefault("annotations", {})[
            "kubectl.kubernetes.io/restartedAt"] = self.stamp()
        if "serviceAccountName" in pod["spec"]:
            pod["spec"]["serviceAccount"] = pod["spec"]["serviceAccountName"]
        replicas = obj["spec"].get("replicas", 1)
        obj["status"] = {"observedGeneration": obj["metadata"]["generation"], "replicas": replicas,
                         "readyReplicas": replicas, "availableReplicas": replicas,
                         "conditions": [{"type": "Available", "status": "True",
                                         "lastTransitionTime": self.stamp()}]}

    def _statefulset(self, obj: dict[str, Any]) -> None:
        for claim in obj["spec"].get("volumeClaimTemplates") or ():
            claim.update(apiVersion="v1", kind="PersistentVolumeClaim", status={"phase": "Pending"})
        obj["status"] = {"replicas": obj["spec"].get("replicas", 1), "currentRevision": f"r-{self.token(10)}"}

    def _daemonset(self, obj: dict[str, Any]) -> None:
        generation = str(self.rng.randrange(9))
        obj["metadata"]["annotations"]["deprecated.daemonset.template.generation"] = generation
        obj["status"] = {"desiredNumberScheduled": self.rng.randrange(3, 40), "numberReady": 3}

    def _cronjob(self, obj: dict[str, Any]) -> None:
        obj["status"] = {"lastScheduleTime": self.stamp(), "lastSuccessfulTime": self.stamp()}

    def _service(self, obj: dict[str, Any]) -> None:
        spec = obj["spec"]
        if spec.get("clusterIP") != "None":
            spec["clusterIP"] = f"10.96.{self.rng.randrange(256)}.{self.rng.randrange(1, 255)}"
        spec["clusterIPs"] = [spec["clusterIP"]]
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            for port in spec.get("ports") or ():
                port["nodePort"] = self.rng.randrange(30000, 32768)
            spec["healthCheckNodePort"] = self.rng.randrange(30000, 32768)
        obj["status"] = {"loadBalancer": {}}

    def _secret(self, obj: dict[str, Any]) -> None:
        data = obj.setdefault("data", {})
        for key, value in (obj.pop("stringData", None) or {}).items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj.setdefault("type", "Opaque")

    def _serviceaccount(self, obj: dict[str, Any]) -> None:
        token = {"name": f"{obj['metadata']['name']}-token-{self.token()}"}
        obj["secrets"] = [*obj.get("secrets", []), token]

    def _horizontalpodautoscaler(self, obj: dict[str, Any]) -> None:
        obj["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/conditions"] = "[]"
        obj["status"] = {"currentReplicas": self.rng.randrange(1, 9), "desiredReplicas": 3,
                         "lastScaleTime": self.stamp()}

    def _ingress(self, obj: dict[str, Any]) -> None:
        obj["status"] = {"loadBalancer": {"ingress": [{"ip": f"34.1.{self.rng.randrange(256)}.7"}]}}

    def cluster_objects(self, namespace: str) -> list[dict[str, Any]]:
        """What a cluster creates in every namespace by itself."""
        account = self.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}},
                             namespace)
        ca = self.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"},
                         "data": {"ca.crt": f"-----BEGIN CERTIFICATE-----\n{self.token(40)}\n"}}, namespace)
        name = account["secrets"][0]["name"]
        token = self.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                            "type": "kubernetes.io/service-account-token",
                            "data": {"token": base64.b64encode(self.token(30).encode()).decode()}}, namespace)
        return [account, ca, token]

    def node(self, version: str) -> dict[str, Any]:
        """A node running `version`."""
        name = f"ip-10-0-{self.rng.randrange(256)}-{self.rng.randrange(256)}.ec2.internal"
        return {"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": name, "uid": str(uuid.UUID(int=self.rng.getrandbits(128))),
                             "labels": {"kubernetes.io/hostname": name}},
                "status": {"nodeInfo": {
                    "kubeletVersion": version, "kubeProxyVersion": version,
                    "containerRuntimeVersion": "containerd://1.7.13", "osImage": "Ubuntu 22.04.4 LTS",
                    "operatingSystem": "linux", "architecture": "amd64", "kernelVersion": "6.5.0-1016-aws",
                    "machineID": uuid.UUID(int=self.rng.getrandbits(128)).hex,
                    "systemUUID": str(uuid.UUID(int=self.rng.getrandbits(128))),
                    "bootID": str(uuid.UUID(int=self.rng.getrandbits(128)))}}}


def server_quantity(value: Any) -> Any:
    """A quantity as the API server writes it back: a string, binary suffixes kept when exact."""
    parsed = parse_quantity(value)
    if parsed is None:
        return value
    binary = isinstance(value, str) and value.rstrip().endswith("i")
    if binary and parsed.denominator == 1 and parsed % 1024 == 0:
        exponent = max(e for e in range(1, 7) if parsed % (1024 ** e) == 0)
        return f"{parsed // 1024 ** exponent}{'KMGTPE'[exponent - 1]}i"
    for exponent, suffix in ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""),
                             (-3, "m"), (-6, "u"), (-9, "n")):
        mantissa = parsed / Fraction(10) ** exponent
        if mantissa.denominator == 1:
            return f"{mantissa.numerator}{suffix}"
    return str(value)


def _canonical_quantities(tree: Any) -> None:
    """Rewrite resources, size limits and HPA targets in the server's spelling (0.1 -> "100m")."""
    if isinstance(tree, list):
        for item in tree:
            _canonical_quantities(item)
    elif isinstance(tree, dict):
        for key, value in tree.items():
            if key in ("requests", "limits") and isinstance(value, dict):
                tree[key] = {k: server_quantity(v) for k, v in value.items()}
            elif key in ("sizeLimit", "averageValue"):
                tree[key] = server_quantity(value)
            else:
                _canonical_quantities(value)


def _fields(value: Any) -> Any:
    """A managedFields FieldsV1 tree for a manifest."""
    if isinstance(value, dict):
        return {f"f:{key}": _fields(item) for key, item in value.items()}
    return {}


def build_cluster(manifests: list[dict[str, Any]], namespaces: tuple[str, ...] = ("shop",), seed: int = 1,
                  nodes: int = 3, version: str = "v1.29.3") -> FakeCluster:
    """A cluster holding `manifests` in each namespace, plus what the cluster makes by itself."""
    applier = Applier(seed)
    objects: list[dict[str, Any]] = []
    for namespace in namespaces:
        objects += applier.cluster_objects(namespace)
        objects += [applier.apply(m, namespace) for m in manifests
                    if is_namespaced(m["kind"]) or namespace == namespaces[0]]
    objects += [applier.node(version) for _ in range(nodes)]
    return FakeCluster(objects=objects, version=version)
