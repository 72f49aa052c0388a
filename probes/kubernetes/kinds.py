"""The kinds the probe knows without asking the API server, and the RBAC rule each one needs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """Where the API serves one kind."""

    kind: str
    """Kind, e.g. Deployment."""
    group: str
    """API group; "" for the core group."""
    version: str
    """Version the probe reads."""
    plural: str
    """Resource name in URLs and RBAC rules, e.g. deployments."""
    namespaced: bool = True
    """False for cluster-scoped kinds."""

    @property
    def api_version(self) -> str:
        """apiVersion as written in manifests: v1, apps/v1."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None) -> str:
        """The list URL path, in a namespace or cluster-wide."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        return f"{root}/namespaces/{namespace}/{self.plural}" if namespace else f"{root}/{self.plural}"

    def rbac_rule(self) -> str:
        """The read-only RBAC rule that allows listing this kind."""
        return f'apiGroups: ["{self.group}"], resources: ["{self.plural}"], verbs: ["get", "list"]'


#: Kind -> (group, versions in order of preference, plural, namespaced).
KNOWN: dict[str, tuple[str, tuple[str, ...], str, bool]] = {
    "Deployment": ("apps", ("v1",), "deployments", True),
    "StatefulSet": ("apps", ("v1",), "statefulsets", True),
    "DaemonSet": ("apps", ("v1",), "daemonsets", True),
    "ReplicaSet": ("apps", ("v1",), "replicasets", True),
    "CronJob": ("batch", ("v1", "v1beta1"), "cronjobs", True),
    "Job": ("batch", ("v1",), "jobs", True),
    "ConfigMap": ("", ("v1",), "configmaps", True),
    "Secret": ("", ("v1",), "secrets", True),
    "Service": ("", ("v1",), "services", True),
    "ServiceAccount": ("", ("v1",), "serviceaccounts", True),
    "PersistentVolumeClaim": ("", ("v1",), "persistentvolumeclaims", True),
    "Pod": ("", ("v1",), "pods", True),
    "ResourceQuota": ("", ("v1",), "resourcequotas", True),
    "LimitRange": ("", ("v1",), "limitranges", True),
    "Ingress": ("networking.k8s.io", ("v1",), "ingresses", True),
    "NetworkPolicy": ("networking.k8s.io", ("v1",), "networkpolicies", True),
    "HorizontalPodAutoscaler": ("autoscaling", ("v2", "v2beta2", "v1"), "horizontalpodautoscalers", True),
    "PodDisruptionBudget": ("policy", ("v1", "v1beta1"), "poddisruptionbudgets", True),
    "Role": ("rbac.authorization.k8s.io", ("v1",), "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io", ("v1",), "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io", ("v1",), "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", ("v1",), "clusterrolebindings", False),
    "Namespace": ("", ("v1",), "namespaces", False),
    "PersistentVolume": ("", ("v1",), "persistentvolumes", False),
    "StorageClass": ("storage.k8s.io", ("v1",), "storageclasses", False),
    "IngressClass": ("networking.k8s.io", ("v1",), "ingressclasses", False),
    "PriorityClass": ("scheduling.k8s.io", ("v1",), "priorityclasses", False),
}

DEFAULT_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob", "ConfigMap", "Secret", "Service",
                 "Ingress", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
                 "ServiceAccount")
#: Cluster facts collected besides `kinds`; exclude them with `exclude_kinds`.
NODE = Resource("Node", "", "v1", "nodes", namespaced=False)
CRD = Resource("CustomResourceDefinition", "apiextensions.k8s.io", "v1", "customresourcedefinitions",
               namespaced=False)
#: Workload kinds and where their pod template sits.
POD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"), "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"), "ReplicaSet": ("spec", "template"), "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}
#: Controllers whose children get generated names; such children are never compared.
GENERATING_CONTROLLERS = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job",
                                    "CronJob"})


def split_kind(entry: str) -> tuple[str, str | None]:
    """'Certificate.cert-manager.io' -> ('Certificate', 'cert-manager.io'); 'Deployment' -> (.., None)."""
    kind, _, group = entry.partition(".")
    return kind, group or None


def wants(kind: str, group: str | None, obj_kind: str, obj_group: str | None) -> bool:
    """Whether a `kinds` entry (kind, group or None) selects an object of `obj_kind` in `obj_group`
    (None: the object names no apiVersion, and is taken for the built-in kind of its name).

    An entry without a group means the built-in kind when the name is one (`Service` is the core
    Service, as a cluster is read, not Knative's `Service.serving.knative.dev`), else any group."""
    if kind != obj_kind:
        return False
    known = KNOWN.get(kind)
    if obj_group is None:
        obj_group = known[0] if known is not None else group
    if group is None:
        return known is None or known[0] == obj_group
    return group == obj_group


def kind_key(kind: str, group: str | None) -> str:
    """The name a kind is filed under in the snapshot: `Kind`, or `Kind.group` for a custom kind named
    like a built-in one (Knative's `Service.serving.knative.dev`), so that the two never collide."""
    known = KNOWN.get(kind)
    return kind if known is None or group is None or group == known[0] else f"{kind}.{group}"


def api_group(api_version: object) -> str | None:
    """The group of an apiVersion: 'apps/v1' -> 'apps', 'v1' -> ''; None when there is none (an
    object without an apiVersion is taken for the built-in kind of its name)."""
    return str(api_version).rpartition("/")[0] if api_version else None


def is_builtin(kind: str, api_version: object) -> bool:
    """Whether an object of `kind` with this apiVersion is the built-in kind of that name (an object
    without an apiVersion is taken to be)."""
    known = KNOWN.get(kind)
    group = api_group(api_version)
    return known is not None and (group is None or group == known[0])


def known_resource(kind: str, served: dict[str, list[str]] | None = None) -> Resource | None:
    """The resource for a known kind, at the first preferred version `served` lists (None: not served)."""
    entry = KNOWN.get(kind)
    if entry is None:
        return None
    group, versions, plural, namespaced = entry
    if served is None or not group:
        return Resource(kind, group, versions[0], plural, namespaced)
    available = served.get(group, [])
    version = next((v for v in versions if v in available), None)
    return None if version is None else Resource(kind, group, version, plural, namespaced)


def is_namespaced(kind: str) -> bool:
    """Whether a kind lives in namespaces; unknown kinds (custom resources) are assumed to."""
    entry = KNOWN.get(kind)
    return entry[3] if entry else kind not in {"Node", "CustomResourceDefinition"}
