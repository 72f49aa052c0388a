"""Normalisation: one object as the API server or a manifest gives it, down to what its owner wrote.

Each rule here removes a difference that every environment has by nature (ids,
timestamps, assigned addresses, tooling annotations) or that is one value spelled
two ways (quantities, stringData, image names), so that what remains is drift.
Normalising consumes the object it is given: callers pass freshly parsed data.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any

from fidelity.probe import SecretKeeper
from probes.kubernetes.defaults import fill_defaults
from probes.kubernetes.images import split_image
from probes.kubernetes.kinds import GENERATING_CONTROLLERS, POD_TEMPLATES, is_builtin
from probes.kubernetes.quantity import normalise_quantities, normalise_quantity

#: Annotations written by tools and controllers, never by the object's owner.
TOOLING_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration", "kubectl.kubernetes.io/restartedAt",
    "kubernetes.io/change-cause", "deployment.kubernetes.io/*", "meta.helm.sh/*",
    "autoscaling.alpha.kubernetes.io/*", "control-plane.alpha.kubernetes.io/leader",
    "deprecated.daemonset.template.generation", "pv.kubernetes.io/*", "volume.kubernetes.io/*",
    "volume.beta.kubernetes.io/*", "kubernetes.io/service-account.uid",
    "endpoints.kubernetes.io/last-change-trigger-time", "argocd.argoproj.io/tracking-id",
)
#: Labels that controllers stamp with generated values.
GENERATED_LABELS = frozenset({"pod-template-hash", "controller-revision-hash", "controller-uid",
                              "batch.kubernetes.io/controller-uid", "statefulset.kubernetes.io/pod-name"})
_TOOLING_EXACT = frozenset(p for p in TOOLING_ANNOTATIONS if not p.endswith("*"))
_TOOLING_PREFIXES = tuple(p[:-1] for p in TOOLING_ANNOTATIONS if p.endswith("*"))
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_CLUSTER_MADE = frozenset({("ServiceAccount", "default"), ("ConfigMap", "kube-root-ca.crt")})
_HPA_SOURCES = ("resource", "containerResource", "pods", "object", "external")
_LIMIT_RANGE_FIELDS = ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio")


class Normaliser:
    """Applies the normalisation rules with one run's secret key and one probe's options."""

    def __init__(self, keeper: SecretKeeper, rename: Mapping[str, str] | None = None,
                 include_cluster_objects: bool = False, secret_keys: tuple[str, ...] = ()) -> None:
        self.keeper = keeper
        self.patterns = tuple((re.compile(p), r) for p, r in (rename or {}).items())
        self.include_cluster_objects = include_cluster_objects
        self.secret_keys = secret_keys
        self._secret_names: dict[str, bool] = {}

    def name(self, name: str) -> str:
        """An object (or namespace) name after the `rename` patterns."""
        for pattern, replacement in self.patterns:
            name = pattern.sub(replacement, name)
        return name

    def is_cluster_created(self, kind: str, obj: Mapping[str, Any]) -> bool:
        """True for objects the cluster makes by itself, skipped unless `include_cluster_objects`."""
        if self.include_cluster_objects:
            return False
        meta = mapping(obj.get("metadata"))
        if (kind, meta.get("name")) in _CLUSTER_MADE:
            return True
        if kind == "Secret" and obj.get("type") == "kubernetes.io/service-account-token":
            return True
        return any(o.get("controller") and o.get("kind") in GENERATING_CONTROLLERS
                   for o in _dicts(meta.get("ownerReferences")))

    def normalise(self, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
        """The comparable body of an object: no kind, name, namespace, status or server-set fields."""
        meta = mapping(obj.pop("metadata", None))
        obj.pop("kind", None)
        obj.pop("status", None)
        body = obj
        kept = self.metadata(meta)
        if kept:
            body["metadata"] = kept
        if not is_builtin(kind, body.get("apiVersion")):
            # a custom kind named like a built-in one (Knative's Service) gets none of its rules, but
            # one named Secret keeps its data fingerprinted
            if kind == "Secret":
                _secret(self, body, meta)
            return body
        fill_defaults(kind, body)
        handler = _KIND_RULES.get(kind)
        if handler is not None:
            handler(self, body, meta)
        location = POD_TEMPLATES.get(kind)
        if location is not None:
            self.template(_dig(body, location[:-1]), location[-1])
        return body

    def metadata(self, meta: Mapping[str, Any], keep_name: bool = False) -> dict[str, Any]:
        """Labels and annotations without generated or tooling entries (and the name, in templates)."""
        kept: dict[str, Any] = {}
        if keep_name and meta.get("name"):
            kept["name"] = meta["name"]
        labels = mapping(meta.get("labels"))
        if labels and not GENERATED_LABELS.isdisjoint(labels):
            labels = {k: v for k, v in labels.items() if k not in GENERATED_LABELS}
        if labels:
            kept["labels"] = labels
        annotations = mapping(meta.get("annotations"))
        if annotations:
            annotations = {k: self.protect(k, v) for k, v in annotations.items()
                           if k not in _TOOLING_EXACT and not k.startswith(_TOOLING_PREFIXES)}
            if annotations:
                kept["annotations"] = annotations
        return kept

    def protect(self, key: str, value: Any) -> Any:
        """A value fingerprinted whole when its key looks secret (or matches `secret_keys`).

        Secrets inside other values (URL passwords, tokens, command-line passwords) are found by
        their shape when the snapshot is taken, as for every probe."""
        name = key if type(key) is str else str(key)  # a malformed object's name may be a list
        secret = self._secret_names.get(name)
        if secret is None:  # a cluster repeats a few hundred key names thousands of times
            secret = self._secret_names[name] = self.keeper.is_secret_name(name, self.secret_keys)
        if secret and value is not None:
            return self.keeper.fingerprint(value)
        return value

    def rename_ref(self, holder: Any, field: str = "name") -> None:
        """Apply `rename` to a reference to another object, e.g. a configMapRef's name."""
        if isinstance(holder, dict) and isinstance(holder.get(field), str) and self.patterns:
            holder[field] = self.name(holder[field])

    def template(self, parent: Any, key: str) -> None:
        """Normalise a pod template in place: its metadata and its pod spec."""
        template = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(template, dict):
            return
        kept = self.metadata(mapping(template.get("metadata")), keep_name=True)
        template.pop("metadata", None)
        if kept:
            template["metadata"] = kept
        if isinstance(template.get("spec"), dict):
            self.pod_spec(template["spec"])

    def pod_spec(self, spec: dict[str, Any]) -> None:
        """Drop the assigned node, split images, normalise quantities, protect env values."""
        spec.pop("nodeName", None)
        alias = spec.pop("serviceAccount", None)  # deprecated mirror the server fills in
        if alias and not spec.get("serviceAccountName"):
            spec["serviceAccountName"] = alias
        for key in _CONTAINER_LISTS:
            for container in _dicts(spec.get(key)):
                self.container(container)
        for volume in _dicts(spec.get("volumes")):
            empty = volume.get("emptyDir")
            if isinstance(empty, dict) and "sizeLimit" in empty:
                empty["sizeLimit"] = normalise_quantity(empty["sizeLimit"])
        if "overhead" in spec:
            spec["overhead"] = normalise_quantities(spec["overhead"])
        _resources(spec)
        if self.patterns:
            self.rename_pod_refs(spec)

    def container(self, container: dict[str, Any]) -> None:
        """One container: image split, quantities, env values under secret names protected."""
        if isinstance(container.get("image"), str):
            container["image"] = split_image(container["image"])
        _resources(container)
        for var in _dicts(container.get("env")):
            if "value" in var:
                var["value"] = self.protect(var.get("name", ""), var["value"])

    def rename_pod_refs(self, spec: dict[str, Any]) -> None:
        """Apply `rename` to the names a pod refers to: service account, volumes, env sources."""
        self.rename_ref(spec, "serviceAccountName")
        for volume in _dicts(spec.get("volumes")):
            self.rename_ref(volume.get("configMap"))
            self.rename_ref(volume.get("secret"), "secretName")
            self.rename_ref(volume.get("persistentVolumeClaim"), "claimName")
            for source in _dicts(mapping(volume.get("projected")).get("sources")):
                self.rename_ref(source.get("configMap"))
                self.rename_ref(source.get("secret"))
        for secret in _dicts(spec.get("imagePullSecrets")):
            self.rename_ref(secret)
        for key in _CONTAINER_LISTS:
            for container in _dicts(spec.get(key)):
                for var in _dicts(container.get("env")):
                    source = mapping(var.get("valueFrom"))
                    self.rename_ref(source.get("configMapKeyRef"))
                    self.rename_ref(source.get("secretKeyRef"))
                for source in _dicts(container.get("envFrom")):
                    self.rename_ref(source.get("configMapRef"))
                    self.rename_ref(source.get("secretRef"))


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a table, else an empty one: manifests may hold anything."""
    return value if isinstance(value, dict) else {}


def _dicts(items: Any) -> list[dict[str, Any]]:
    if not items or not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, dict)]


def _spec(body: Mapping[str, Any]) -> dict[str, Any]:
    return mapping(body.get("spec"))


def _dig(tree: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree


def _resources(holder: dict[str, Any]) -> None:
    resources = holder.get("resources")
    if isinstance(resources, dict):
        for key in ("requests", "limits"):
            if key in resources:
                resources[key] = normalise_quantities(resources[key])


def _decode(encoded: Any) -> str:
    """A Secret's base64 value as text; binary values keep a canonical base64 spelling."""
    try:  # the API server only stores valid base64; a manifest may hold anything
        raw = binascii.a2b_base64(str(encoded or ""))
    except (binascii.Error, ValueError):
        return f"invalid-base64:{encoded}"
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(raw).decode("ascii")


def _secret(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    values = {key: _decode(value) for key, value in mapping(body.pop("data", None)).items()}
    plain = mapping(body.pop("stringData", None))
    values.update({key: "" if value is None else str(value) for key, value in plain.items()})
    if values:
        body["data"] = {key: n.keeper.fingerprint(values[key]) for key in sorted(values)}


def _config_map(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    if isinstance(body.get("data"), dict):
        body["data"] = {key: n.protect(key, value) for key, value in body["data"].items()}


def _service(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    spec.pop("clusterIPs", None)
    spec.pop("healthCheckNodePort", None)
    if spec.get("clusterIP") != "None":  # a headless Service is written that way by its owner
        spec.pop("clusterIP", None)
    for port in _dicts(spec.get("ports")):
        port.pop("nodePort", None)


def _service_account(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    prefixes = tuple(f"{meta.get('name', '')}-{kind}-" for kind in ("token", "dockercfg"))
    for key in ("secrets", "imagePullSecrets"):
        kept = [s for s in _dicts(body.get(key)) if not _generated(str(s.get("name", "")), prefixes)]
        for ref in kept:
            n.rename_ref(ref)
        if kept:
            body[key] = kept
        else:
            body.pop(key, None)


def _generated(name: str, prefixes: tuple[str, ...]) -> bool:
    """True for '<account>-token-x7k2p': a Secret the token controller made for a ServiceAccount."""
    suffix = name.rsplit("-", 1)[-1]
    return name.startswith(prefixes) and len(suffix) == 5 and suffix.isalnum() and suffix.islower()


def _autoscaler(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    n.rename_ref(spec.get("scaleTargetRef"))
    for metric in _dicts(spec.get("metrics")):
        for source in _HPA_SOURCES:
            target = mapping(metric.get(source)).get("target")
            if isinstance(target, dict):
                for key in ("averageValue", "value"):
                    if key in target:
                        target[key] = normalise_quantity(target[key])


def _ingress(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    backends = [mapping(spec.get("defaultBackend"))]
    backends += [mapping(path.get("backend")) for rule in _dicts(spec.get("rules"))
                 for path in _dicts(mapping(rule.get("http")).get("paths"))]
    for backend in backends:
        n.rename_ref(backend.get("service"))
    for tls in _dicts(spec.get("tls")):
        n.rename_ref(tls, "secretName")


def _claim(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    spec.pop("volumeName", None)  # the bound volume is picked by the provisioner
    _resources(spec)


def _stateful_set(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    n.rename_ref(spec, "serviceName")
    claims = []
    for template in _dicts(spec.get("volumeClaimTemplates")):
        claim = {k: v for k, v in template.items() if k not in ("apiVersion", "kind", "status", "metadata")}
        claim["metadata"] = n.metadata(mapping(template.get("metadata")), keep_name=True)
        _claim(n, claim, meta)
        claims.append(claim)
    if claims:
        spec["volumeClaimTemplates"] = claims


def _job(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    labels = mapping(mapping(spec.get("selector")).get("matchLabels"))
    if GENERATED_LABELS & set(labels):  # a selector the Job controller generated
        spec.pop("selector", None)


def _cron_job(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    job = _spec(body).get("jobTemplate")
    if isinstance(job, dict) and "metadata" in job:
        kept = n.metadata(mapping(job.pop("metadata")))
        if kept:
            job["metadata"] = kept


def _quota(n: Normaliser, body: dict[str, Any], meta: Mapping[str, Any]) -> None:
    spec = _spec(body)
    if "hard" in spec:
        spec["hard"] = normalise_quantities(spec["hard"])
    for limit in _dicts(spec.get("limits")):
        for key in _LIMIT_RANGE_FIELDS:
            if key in limit:
                limit[key] = normalise_quantities(limit[key])


_KIND_RULES: dict[str, Callable[[Normaliser, dict[str, Any], Mapping[str, Any]], None]] = {
    "Secret": _secret, "ConfigMap": _config_map, "Service": _service, "ServiceAccount": _service_account,
    "HorizontalPodAutoscaler": _autoscaler, "Ingress": _ingress, "PersistentVolumeClaim": _claim,
    "StatefulSet": _stateful_set, "Job": _job, "CronJob": _cron_job, "ResourceQuota": _quota,
    "LimitRange": _quota, "Pod": lambda n, body, meta: n.pod_spec(_spec(body)),
}
