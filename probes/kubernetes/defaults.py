"""The defaults the API server fills into built-in kinds, so that a manifest compares with a live object.

A manifest says `image: web:1.4` and nothing more; the API server stores the same container
with `imagePullPolicy: IfNotPresent`, `terminationMessagePath: /dev/termination-log`, and so
on. Filling the documented defaults into both sides, when a field is absent, makes a
manifest and the live object it became compare equal, while a value that one side sets to
something else than the default is still a difference.

`DEFAULTS` is the one table. Each entry names a scope (a kind, or a part many kinds share:
a pod spec, a container, a health probe, a claim spec), the path of a field below the
scope's root, and the value. Entries of one scope apply in table order, so an entry may
depend on one before it (a Job's `completions` before its `parallelism`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from probes.kubernetes.images import split_image
from probes.kubernetes.kinds import POD_TEMPLATES

#: Each item of the list at this point of a path.
EACH = "*"


@dataclass(frozen=True)
class Default:
    """One field the API server fills in when it is absent."""

    scope: str
    """A kind (`Deployment`), or a shared part: `PodSpec`, `Container`, `Probe`, `ClaimSpec`."""
    path: str
    """Dotted path from the scope's root to the field; `*` is each item of a list."""
    value: Any
    """The default; a function of the table that holds the field when it depends on its siblings."""
    when: Callable[[Mapping[str, Any]], bool] | None = None
    """Only when this holds for the scope's root (e.g. a RollingUpdate strategy)."""

    def filled(self, holder: Mapping[str, Any]) -> Any:
        """The value to fill into `holder`."""
        return self.value(holder) if callable(self.value) else copy.deepcopy(self.value)


def pull_policy(container: Mapping[str, Any]) -> str:
    """Always for a `:latest` image (or one with neither tag nor digest), else IfNotPresent."""
    image = container.get("image")
    tag = split_image(image).get("tag") if isinstance(image, str) else None
    return "Always" if tag == "latest" else "IfNotPresent"


def _target_port(port: Mapping[str, Any]) -> Any:
    return port.get("port")


def _policy_types(spec: Mapping[str, Any]) -> list[str]:
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def _field(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    def get(root: Mapping[str, Any]) -> Any:
        value: Any = root
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value
    return get


def _is(value: Any, *keys: str) -> Callable[[Mapping[str, Any]], bool]:
    get = _field(*keys)
    return lambda root: get(root) == value


def _is_not(value: Any, *keys: str) -> Callable[[Mapping[str, Any]], bool]:
    get = _field(*keys)
    return lambda root: get(root) != value


def _absent(*keys: str) -> Callable[[Mapping[str, Any]], bool]:
    get = _field(*keys)
    return lambda root: get(root) is None


_EXTERNAL_TRAFFIC = ("NodePort", "LoadBalancer")
_VOLUME_SOURCES = ("configMap", "secret", "projected", "downwardAPI")

DEFAULTS: tuple[Default, ...] = (
    # Deployment (apps/v1)
    Default("Deployment", "spec.replicas", 1),
    Default("Deployment", "spec.revisionHistoryLimit", 10),
    Default("Deployment", "spec.progressDeadlineSeconds", 600),
    Default("Deployment", "spec.strategy.type", "RollingUpdate"),
    Default("Deployment", "spec.strategy.rollingUpdate.maxUnavailable", "25%",
            _is("RollingUpdate", "spec", "strategy", "type")),
    Default("Deployment", "spec.strategy.rollingUpdate.maxSurge", "25%",
            _is("RollingUpdate", "spec", "strategy", "type")),
    # StatefulSet (apps/v1)
    Default("StatefulSet", "spec.replicas", 1),
    Default("StatefulSet", "spec.revisionHistoryLimit", 10),
    Default("StatefulSet", "spec.podManagementPolicy", "OrderedReady"),
    Default("StatefulSet", "spec.updateStrategy.type", "RollingUpdate"),
    Default("StatefulSet", "spec.updateStrategy.rollingUpdate.partition", 0,
            _is("RollingUpdate", "spec", "updateStrategy", "type")),
    Default("StatefulSet", "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Retain"),
    Default("StatefulSet", "spec.persistentVolumeClaimRetentionPolicy.whenScaled", "Retain"),
    # DaemonSet (apps/v1)
    Default("DaemonSet", "spec.revisionHistoryLimit", 10),
    Default("DaemonSet", "spec.updateStrategy.type", "RollingUpdate"),
    Default("DaemonSet", "spec.updateStrategy.rollingUpdate.maxUnavailable", 1,
            _is("RollingUpdate", "spec", "updateStrategy", "type")),
    Default("DaemonSet", "spec.updateStrategy.rollingUpdate.maxSurge", 0,
            _is("RollingUpdate", "spec", "updateStrategy", "type")),
    # ReplicaSet (apps/v1)
    Default("ReplicaSet", "spec.replicas", 1),
    # Job (batch/v1); completions only when parallelism is unset too, so before parallelism
    Default("Job", "spec.completions", 1, _absent("spec", "parallelism")),
    Default("Job", "spec.parallelism", 1),
    Default("Job", "spec.backoffLimit", 6),
    Default("Job", "spec.completionMode", "NonIndexed"),
    Default("Job", "spec.suspend", False),
    # CronJob (batch/v1); its job template gets the Job defaults
    Default("CronJob", "spec.concurrencyPolicy", "Allow"),
    Default("CronJob", "spec.suspend", False),
    Default("CronJob", "spec.successfulJobsHistoryLimit", 3),
    Default("CronJob", "spec.failedJobsHistoryLimit", 1),
    Default("CronJob", "spec.jobTemplate.spec.completions", 1,
            _absent("spec", "jobTemplate", "spec", "parallelism")),
    Default("CronJob", "spec.jobTemplate.spec.parallelism", 1),
    Default("CronJob", "spec.jobTemplate.spec.backoffLimit", 6),
    Default("CronJob", "spec.jobTemplate.spec.completionMode", "NonIndexed"),
    Default("CronJob", "spec.jobTemplate.spec.suspend", False),
    # Service (v1)
    Default("Service", "spec.type", "ClusterIP"),
    Default("Service", "spec.sessionAffinity", "None"),
    Default("Service", "spec.sessionAffinityConfig.clientIP.timeoutSeconds", 10800,
            _is("ClientIP", "spec", "sessionAffinity")),
    Default("Service", "spec.ports.*.protocol", "TCP"),
    Default("Service", "spec.ports.*.targetPort", _target_port, _is_not("ExternalName", "spec", "type")),
    Default("Service", "spec.ipFamilyPolicy", "SingleStack", _is_not("ExternalName", "spec", "type")),
    Default("Service", "spec.ipFamilies", ["IPv4"],
            lambda root: _field("spec", "type")(root) != "ExternalName"
            and _field("spec", "ipFamilyPolicy")(root) == "SingleStack"),
    Default("Service", "spec.internalTrafficPolicy", "Cluster", _is_not("ExternalName", "spec", "type")),
    Default("Service", "spec.externalTrafficPolicy", "Cluster",
            lambda root: _field("spec", "type")(root) in _EXTERNAL_TRAFFIC),
    Default("Service", "spec.allocateLoadBalancerNodePorts", True, _is("LoadBalancer", "spec", "type")),
    # Secret (v1)
    Default("Secret", "type", "Opaque"),
    # NetworkPolicy (networking.k8s.io/v1)
    Default("NetworkPolicy", "spec.policyTypes", lambda spec: _policy_types(spec)),
    Default("NetworkPolicy", "spec.ingress.*.ports.*.protocol", "TCP"),
    Default("NetworkPolicy", "spec.egress.*.ports.*.protocol", "TCP"),
    # HorizontalPodAutoscaler (autoscaling/v2)
    Default("HorizontalPodAutoscaler", "spec.minReplicas", 1),
    # Pod (v1), besides its pod spec
    Default("Pod", "spec.enableServiceLinks", True),
    # every pod spec: a Pod's, and each workload's template
    Default("PodSpec", "restartPolicy", "Always"),
    Default("PodSpec", "dnsPolicy", "ClusterFirst"),
    Default("PodSpec", "schedulerName", "default-scheduler"),
    Default("PodSpec", "securityContext", {}),
    Default("PodSpec", "terminationGracePeriodSeconds", 30),
    *(Default("PodSpec", f"volumes.*.{source}.defaultMode", 0o644) for source in _VOLUME_SOURCES),
    # every container, init container and ephemeral container
    Default("Container", "imagePullPolicy", pull_policy),
    Default("Container", "terminationMessagePath", "/dev/termination-log"),
    Default("Container", "terminationMessagePolicy", "File"),
    Default("Container", "resources", {}),
    Default("Container", "ports.*.protocol", "TCP"),
    Default("Container", "env.*.valueFrom.fieldRef.apiVersion", "v1"),
    # each liveness, readiness and startup probe
    Default("Probe", "timeoutSeconds", 1),
    Default("Probe", "periodSeconds", 10),
    Default("Probe", "successThreshold", 1),
    Default("Probe", "failureThreshold", 3),
    Default("Probe", "httpGet.scheme", "HTTP"),
    # each claim spec: a PersistentVolumeClaim's, and a StatefulSet's volumeClaimTemplates
    Default("ClaimSpec", "volumeMode", "Filesystem"),
)

_BY_SCOPE: dict[str, tuple[Default, ...]] = {
    scope: tuple(d for d in DEFAULTS if d.scope == scope)
    for scope in dict.fromkeys(d.scope for d in DEFAULTS)}
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def fill_defaults(kind: str, body: dict[str, Any]) -> None:
    """Fill the API server's defaults for `kind` into `body` (a whole object), in place."""
    apply_scope(kind, body)
    if kind == "PersistentVolumeClaim" and isinstance(body.get("spec"), dict):
        apply_scope("ClaimSpec", body["spec"])
    if kind == "Pod":
        pod_spec = body.get("spec")
    else:
        pod_spec = _dig(body, (*POD_TEMPLATES[kind], "spec")) if kind in POD_TEMPLATES else None
    if isinstance(pod_spec, dict):
        fill_pod_spec(pod_spec)
    if kind == "StatefulSet":
        for claim in _items(_dig(body, ("spec", "volumeClaimTemplates"))):
            if isinstance(claim.get("spec"), dict):
                apply_scope("ClaimSpec", claim["spec"])


def fill_pod_spec(spec: dict[str, Any]) -> None:
    """Fill the pod spec, container and probe defaults into one pod spec."""
    apply_scope("PodSpec", spec)
    for key in _CONTAINER_LISTS:
        for container in _items(spec.get(key)):
            apply_scope("Container", container)
            for probe in _PROBES:
                if isinstance(container.get(probe), dict):
                    apply_scope("Probe", container[probe])


def apply_scope(scope: str, root: dict[str, Any]) -> None:
    """Apply every entry of one scope to `root`."""
    for default in _BY_SCOPE.get(scope, ()):
        apply_default(default, root)


def apply_default(default: Default, root: dict[str, Any]) -> None:
    """Fill one default into `root` where the field is absent (null counts as absent)."""
    if default.when is not None and not default.when(root):
        return
    *parents, field = default.path.split(".")
    if parents and not isinstance(root.get(parents[0]), (dict, list)):
        return  # a kind's defaults go into its spec only when it has one
    for holder in _holders(root, parents):
        if holder.get(field) is None:
            value = default.filled(holder)
            if value is not None:
                holder[field] = value


def _holders(node: dict[str, Any], keys: list[str]) -> Iterator[dict[str, Any]]:
    """The tables at `keys` below `node`: missing tables are created, each item of a list visited."""
    if not keys:
        yield node
        return
    key, rest = keys[0], keys[1:]
    if key == EACH:
        raise ValueError("a path cannot start with '*'")
    child = node.get(key)
    if rest and rest[0] == EACH:
        for item in _items(child):
            yield from _holders(item, rest[1:])
        return
    if child is None:
        child = node[key] = {}
    if isinstance(child, dict):
        yield from _holders(child, rest)


def _items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dig(tree: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree
