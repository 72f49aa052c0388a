"""API server defaults: a manifest from git and the live object it became compare equal."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_cluster import KEEPER, collect, findings, live

from fidelity.model import Change
from probes.kubernetes.defaults import DEFAULTS, EACH, Default, apply_default, fill_defaults, pull_policy
from probes.kubernetes.normalise import Normaliser

_ROLLING = {"type": "RollingUpdate"}
#: What a root needs for an entry's condition to hold or its computed value to be known.
SETUP: dict[tuple[str, str], dict[str, Any]] = {
    ("Deployment", "spec.strategy.rollingUpdate.maxUnavailable"): {"spec": {"strategy": _ROLLING}},
    ("Deployment", "spec.strategy.rollingUpdate.maxSurge"): {"spec": {"strategy": _ROLLING}},
    ("StatefulSet", "spec.updateStrategy.rollingUpdate.partition"):
        {"spec": {"updateStrategy": _ROLLING}},
    ("DaemonSet", "spec.updateStrategy.rollingUpdate.maxUnavailable"):
        {"spec": {"updateStrategy": _ROLLING}},
    ("DaemonSet", "spec.updateStrategy.rollingUpdate.maxSurge"):
        {"spec": {"updateStrategy": _ROLLING}},
    ("Service", "spec.sessionAffinityConfig.clientIP.timeoutSeconds"):
        {"spec": {"sessionAffinity": "ClientIP"}},
    ("Service", "spec.ports.*.targetPort"): {"spec": {"ports": [{"port": 8080}]}},
    ("Service", "spec.ipFamilies"): {"spec": {"ipFamilyPolicy": "SingleStack"}},
    ("Service", "spec.externalTrafficPolicy"): {"spec": {"type": "NodePort"}},
    ("Service", "spec.allocateLoadBalancerNodePorts"): {"spec": {"type": "LoadBalancer"}},
    ("Container", "imagePullPolicy"): {"image": "registry.example.com/web:1.4"},
}
#: The value an entry with a computed default fills in, given its SETUP.
COMPUTED = {("Service", "spec.ports.*.targetPort"): 8080, ("Container", "imagePullPolicy"): "IfNotPresent",
            ("NetworkPolicy", "spec.policyTypes"): ["Ingress"]}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        elif isinstance(value, list) and isinstance(base.get(key), list):
            base[key] = [_merge(a, b) for a, b in zip(base[key], value, strict=False)]
        else:
            base[key] = copy.deepcopy(value)
    return base


def _root(default: Default) -> dict[str, Any]:
    """The smallest root the entry applies to: its path's parents exist (lists with one item)."""
    root: dict[str, Any] = {}
    node: Any = root
    *parents, _ = default.path.split(".")
    for key, after in zip(parents, [*parents[1:], None][:len(parents)], strict=True):
        if key == EACH:
            continue
        node[key] = [{}] if after == EACH else {}
        node = node[key][0] if after == EACH else node[key]
    return _merge(root, SETUP.get((default.scope, default.path), {}))


def _get(root: Any, path: str) -> Any:
    for key in path.split("."):
        root = root[0] if key == EACH else root[key]
    return root


@pytest.mark.parametrize("default", DEFAULTS, ids=lambda d: f"{d.scope}:{d.path}")
def test_each_default_fills_an_absent_field_and_keeps_a_set_one(default: Default) -> None:
    root = _root(default)
    apply_default(default, root)
    expected = COMPUTED[(default.scope, default.path)] if callable(default.value) else default.value
    assert _get(root, default.path) == expected
    explicit = _root(default)
    *parents, field = default.path.split(".")
    holder = _get(explicit, ".".join(parents)) if parents else explicit
    holder[field] = "set-by-the-owner"
    apply_default(default, explicit)
    assert _get(explicit, default.path) == "set-by-the-owner"


def test_every_computed_default_has_its_expected_value() -> None:
    for default in DEFAULTS:
        key = (default.scope, default.path)
        assert not callable(default.value) or key in COMPUTED, key


@pytest.mark.parametrize(("image", "policy"), [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("registry:5000/web", "Always"),
    ("nginx:1.25", "IfNotPresent"), ("registry:5000/web:2", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"), ("nginx:latest@sha256:" + "a" * 64, "Always"),
])
def test_the_pull_policy_default_follows_the_image_tag(image: str, policy: str) -> None:
    assert pull_policy({"image": image}) == policy


def test_conditional_defaults_stay_out_where_the_server_leaves_them_out() -> None:
    deployment: dict[str, Any] = {"spec": {"strategy": {"type": "Recreate"}}}
    fill_defaults("Deployment", deployment)
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    job: dict[str, Any] = {"spec": {"parallelism": 4}}
    fill_defaults("Job", job)
    assert "completions" not in job["spec"]
    external: dict[str, Any] = {"spec": {"type": "ExternalName", "externalName": "db.example.com"}}
    fill_defaults("Service", external)
    assert external["spec"] == {"type": "ExternalName", "externalName": "db.example.com",
                                "sessionAffinity": "None"}
    bare: dict[str, Any] = {"metadata": {"name": "x"}}
    fill_defaults("Deployment", bare)
    assert bare == {"metadata": {"name": "x"}}  # nothing invented where there is no spec
    custom: dict[str, Any] = {"spec": {"replicas": None}}
    fill_defaults("Certificate", custom)
    assert custom == {"spec": {"replicas": None}}


MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend, labels: {app: frontend}}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers:
        - name: web
          image: registry.example.com/shop/frontend:1.4
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /healthz, port: http}}
          env: [{name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
        - name: sidecar
          image: busybox
      volumes: [{name: cfg, configMap: {name: frontend}}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  selector: {app: frontend}
  ports: [{name: http, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "postgres:16"}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "agent:3"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: "report:7"}]
"""

#: The same objects as `kubectl get -o yaml` shows them: every default filled in by the API server.
_POD = {"dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "terminationGracePeriodSeconds": 30}
_CONTAINER = {"resources": {}, "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "File"}
SERVED: list[dict[str, Any]] = [
    {"apiVersion": "apps/v1", "kind": "Deployment",
     "metadata": {"name": "frontend", "labels": {"app": "frontend"}},
     "spec": {"progressDeadlineSeconds": 600, "replicas": 1, "revisionHistoryLimit": 10,
              "selector": {"matchLabels": {"app": "frontend"}},
              "strategy": {"type": "RollingUpdate",
                           "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
              "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "frontend"}}, "spec": {
                  **_POD,
                  "containers": [
                      {"name": "web", "image": "registry.example.com/shop/frontend:1.4",
                       "imagePullPolicy": "IfNotPresent", **_CONTAINER,
                       "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                       "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http", "scheme": "HTTP"},
                                          "failureThreshold": 3, "periodSeconds": 10, "successThreshold": 1,
                                          "timeoutSeconds": 1},
                       "env": [{"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                                             "fieldPath": "status.podIP"}}}]},
                      {"name": "sidecar", "image": "busybox", "imagePullPolicy": "Always", **_CONTAINER}],
                  "volumes": [{"name": "cfg", "configMap": {"name": "frontend", "defaultMode": 420}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "frontend"},
     "spec": {"selector": {"app": "frontend"}, "type": "ClusterIP", "sessionAffinity": "None",
              "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster",
              "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 80}]}},
    {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
     "spec": {"serviceName": "db", "replicas": 1, "revisionHistoryLimit": 10,
              "podManagementPolicy": "OrderedReady",
              "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
              "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
              "selector": {"matchLabels": {"app": "db"}},
              "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "db"}}, "spec": {
                  **_POD, "containers": [{"name": "db", "image": "postgres:16",
                                          "imagePullPolicy": "IfNotPresent", **_CONTAINER}]}},
              "volumeClaimTemplates": [{"metadata": {"creationTimestamp": None, "name": "data"},
                                        "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
                                                 "resources": {"requests": {"storage": "1Gi"}}}}]}},
    {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
     "spec": {"revisionHistoryLimit": 10, "selector": {"matchLabels": {"app": "agent"}},
              "updateStrategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
              "template": {"metadata": {"creationTimestamp": None, "labels": {"app": "agent"}}, "spec": {
                  **_POD, "containers": [{"name": "agent", "image": "agent:3",
                                          "imagePullPolicy": "IfNotPresent", **_CONTAINER}]}}}},
    {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "nightly"},
     "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Allow", "failedJobsHistoryLimit": 1,
              "successfulJobsHistoryLimit": 3, "suspend": False,
              "jobTemplate": {"metadata": {"creationTimestamp": None}, "spec": {"template": {
                  "metadata": {"creationTimestamp": None},
                  "spec": {**_POD, "restartPolicy": "OnFailure",
                           "containers": [{"name": "report", "image": "report:7",
                                           "imagePullPolicy": "IfNotPresent", **_CONTAINER}]}}}}}},
]
KINDS = ["Deployment", "Service", "StatefulSet", "DaemonSet", "CronJob"]


def test_a_manifest_and_the_object_the_api_server_made_of_it_compare_clean(tmp_path: Path) -> None:
    (tmp_path / "staging.yaml").write_text(MANIFESTS)
    staging = collect("staging", manifests=str(tmp_path / "staging.yaml"), kinds=KINDS)
    production = live(copy.deepcopy(SERVED), tmp_path, kinds=KINDS)
    assert staging.gaps == production.gaps == ()
    assert set(production.data["objects"]["namespace"]) == set(KINDS)
    # the manifests have no server version or nodes: those are facts of the live side only
    assert [path for path in findings(production, staging) if "/objects/" in path] == []


def test_a_value_set_explicitly_to_something_else_is_still_drift(tmp_path: Path) -> None:
    (tmp_path / "staging.yaml").write_text(MANIFESTS)
    staging = collect("staging", manifests=str(tmp_path / "staging.yaml"), kinds=KINDS)
    served = copy.deepcopy(SERVED)
    served[0]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    served[1]["spec"]["ports"][0]["targetPort"] = 8080
    production = live(served, tmp_path, kinds=KINDS)
    found = {path: found for path, found in findings(production, staging).items() if "/objects/" in path}
    base = "k8s/objects/namespace"
    assert {path: change for path, (change, _, _) in found.items()} == {
        f"{base}/Deployment/frontend/spec/template/spec/containers/web/imagePullPolicy": Change.CHANGED,
        f"{base}/Service/frontend/spec/ports/http/targetPort": Change.CHANGED,
    }


def test_manifest_and_served_objects_normalise_alike() -> None:
    for manifest, served in zip(yaml.safe_load_all(MANIFESTS), SERVED, strict=True):
        kind = manifest["kind"]
        assert (Normaliser(KEEPER).normalise(kind, manifest)
                == Normaliser(KEEPER).normalise(kind, copy.deepcopy(served))), kind
