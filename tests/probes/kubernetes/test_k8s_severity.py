"""Default severities and categories, and the finding paths they sit at (golden: rules depend on them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_cluster import collect, container, find, findings, shop

from fidelity.model import Category, Change, Severity
from fidelity.probe import DiffChange
from probes.kubernetes import KubernetesProbe
from probes.kubernetes.severity import SEVERITY_NOTES, assess

C, H, M, L, INFO = Change.CHANGED, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
INFRA, CONFIG, DEP = Category.INFRASTRUCTURE, Category.CONFIG, Category.DEPENDENCY
WEB = "k8s/objects/namespace/Deployment/web/spec/template/spec"
Docs = list[dict[str, Any]]


def _set(path: str, value: Any) -> Callable[[Docs], None]:
    """Set a field of the web Deployment's `web` container, e.g. 'resources/requests/cpu'."""
    def mutate(docs: Docs) -> None:
        *parents, last = path.split("/")
        target = container(docs)
        for key in parents:
            target = target[key]
        target[last] = value
    return mutate


def _env(name: str, **fields: Any) -> Callable[[Docs], None]:
    """Update the web container's env var `name`; with no fields, remove it."""
    def mutate(docs: Docs) -> None:
        env = container(docs)["env"]
        var = next(v for v in env if v["name"] == name)
        if fields:
            var.update(fields)
        else:
            env.remove(var)
    return mutate


def _edit(kind: str, name: str, change: Callable[[dict[str, Any]], object]) -> Callable[[Docs], None]:
    def mutate(docs: Docs) -> None:
        change(find(docs, kind, name))
    return mutate


def _pod(docs: Docs) -> dict[str, Any]:
    spec: dict[str, Any] = find(docs, "Deployment", "web")["spec"]["template"]["spec"]
    return spec


def _drop(kind: str, name: str) -> Callable[[Docs], None]:
    return lambda docs: docs.remove(find(docs, kind, name))


Expected = tuple[Change, Severity, Category]
CASES: list[tuple[str, Callable[[Docs], None], dict[str, Expected]]] = [
    ("workload missing", _drop("Deployment", "web"),
     {"k8s/objects/namespace/Deployment/web": (Change.MISSING, H, INFRA)}),
    ("object extra", lambda d: d.append({"apiVersion": "v1", "kind": "ConfigMap",
                                         "metadata": {"name": "debug"}}),
     {"k8s/objects/namespace/ConfigMap/debug": (Change.EXTRA, M, CONFIG)}),
    ("image tag", _set("image", "registry.example.com/shop/web:1.5.0"),
     {f"{WEB}/containers/web/image/tag": (C, H, DEP)}),
    ("image registry", _set("image", "staging-registry.example.com/shop/web:1.4.2"),
     {f"{WEB}/containers/web/image/repository": (C, H, DEP)}),
    ("image digest", _edit("DaemonSet", "log-agent", lambda o: o["spec"]["template"]["spec"]["containers"][0]
                           .update(image="cr.fluentbit.io/fluent/fluent-bit:2.2.2@sha256:0000")),
     {"k8s/objects/namespace/DaemonSet/log-agent/spec/template/spec/containers/fluent-bit/image/digest":
      (C, H, DEP)}),
    ("env var missing", _env("LOG_LEVEL"),
     {f"{WEB}/containers/web/env/LOG_LEVEL": (Change.MISSING, H, CONFIG)}),
    ("env var extra", lambda d: container(d)["env"].append({"name": "DEBUG", "value": "1"}),
     {f"{WEB}/containers/web/env/DEBUG": (Change.EXTRA, M, CONFIG)}),
    ("env value", _env("LOG_LEVEL", value="debug"),
     {f"{WEB}/containers/web/env/LOG_LEVEL/value": (C, M, CONFIG)}),
    ("env source", _env("DB_PASSWORD", valueFrom={"secretKeyRef": {"name": "web-secrets", "key": "PW"}}),
     {f"{WEB}/containers/web/env/DB_PASSWORD/valueFrom/secretKeyRef/key": (C, M, CONFIG)}),
    ("password in a URL", _env("DATABASE_URL", value="postgres://shop:other@db.shop.svc:5432/shop"),
     {f"{WEB}/containers/web/env/DATABASE_URL/value": (C, L, CONFIG)}),
    ("probe", _set("livenessProbe/periodSeconds", 30),
     {f"{WEB}/containers/web/livenessProbe/periodSeconds": (C, M, INFRA)}),
    ("securityContext", _set("securityContext/readOnlyRootFilesystem", False),
     {f"{WEB}/containers/web/securityContext/readOnlyRootFilesystem": (C, M, INFRA)}),
    ("resources", _set("resources/requests/cpu", "250m"),
     {f"{WEB}/containers/web/resources/requests/cpu": (C, L, INFRA)}),
    ("same quantity spelled differently", _set("resources/limits/memory", "1024Mi"), {}),
    ("replicas under an HPA", _edit("Deployment", "web", lambda o: o["spec"].update(replicas=1)),
     {"k8s/objects/namespace/Deployment/web/spec/replicas": (C, INFO, INFRA)}),
    ("replicas", _edit("StatefulSet", "redis", lambda o: o["spec"].update(replicas=3)),
     {"k8s/objects/namespace/StatefulSet/redis/spec/replicas": (C, L, INFRA)}),
    ("sidecar missing", lambda d: _pod(d)["containers"].pop(),
     {f"{WEB}/containers/envoy": (Change.MISSING, H, INFRA)}),
    ("init container extra", lambda d: _pod(d)["initContainers"].append({"name": "wait", "image": "busybox"}),
     {f"{WEB}/initContainers/wait": (Change.EXTRA, M, INFRA)}),
    ("secret value", _edit("Secret", "web-secrets", lambda o: o["stringData"].update(DB_PASSWORD="x")),
     {"k8s/objects/namespace/Secret/web-secrets/data/DB_PASSWORD": (C, L, CONFIG)}),
    ("secret key missing", _edit("Secret", "web-secrets", lambda o: o["stringData"].pop("STRIPE_API_KEY")),
     {"k8s/objects/namespace/Secret/web-secrets/data/STRIPE_API_KEY": (Change.MISSING, H, CONFIG)}),
    ("config value", _edit("ConfigMap", "web-config", lambda o: o["data"].update(CACHE_TTL_SECONDS="60")),
     {"k8s/objects/namespace/ConfigMap/web-config/data/CACHE_TTL_SECONDS": (C, M, CONFIG)}),
    ("config key missing", _edit("ConfigMap", "web-config", lambda o: o["data"].pop("FEATURE_CHECKOUT_V2")),
     {"k8s/objects/namespace/ConfigMap/web-config/data/FEATURE_CHECKOUT_V2": (Change.MISSING, H, CONFIG)}),
    ("annotation", _edit("Deployment", "web", lambda o: o["metadata"]["annotations"].update(team="x")),
     {"k8s/objects/namespace/Deployment/web/metadata/annotations/team": (C, L, INFRA)}),
    ("apiVersion", _edit("HorizontalPodAutoscaler", "web", lambda o: o.update(apiVersion="autoscaling/v1")),
     {"k8s/objects/namespace/HorizontalPodAutoscaler/web/apiVersion": (C, L, INFRA)}),
    ("a Service port", _edit("Service", "web", lambda o: o["spec"]["ports"][0].update(port=8080)),
     {"k8s/objects/namespace/Service/web/spec/ports/http/port": (C, H, INFRA)}),
    ("a Service selector", _edit("Service", "web", lambda o: o["spec"].update(
        selector={"app.kubernetes.io/name": "canary"})),
     {"k8s/objects/namespace/Service/web/spec/selector/app.kubernetes.io~1name": (C, H, INFRA)}),
    ("any other field", _edit("Deployment", "web", lambda o: o["spec"].update(revisionHistoryLimit=2)),
     {"k8s/objects/namespace/Deployment/web/spec/revisionHistoryLimit": (C, M, INFRA)}),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_default_severity_of_each_kind_of_drift(tmp_path: Path, mutate: Callable[[Docs], None],
                                                expected: dict[str, Expected]) -> None:
    staging = shop()
    mutate(staging)
    for env, docs in (("production", shop()), ("staging", staging)):
        (tmp_path / f"{env}.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    results = [collect(env, manifests=str(tmp_path / f"{env}.yaml")) for env in ("production", "staging")]
    assert findings(*results) == expected


@pytest.mark.parametrize(("segments", "change", "reference", "candidate", "severity", "category"), [
    (("server", "version"), C, "v1.29.3", "v1.28.9", H, DEP),
    (("server", "version"), C, "v1.29.3", "v2.29.3", H, DEP),
    (("server", "version"), C, "v1.29.3", "v1.29.6", M, DEP),
    (("server", "version"), C, "v1.29.3-eks-1", "v1.29.3-eks-2", L, DEP),
    (("server",), Change.MISSING, {"version": "v1.29.3"}, None, INFO, DEP),
    (("nodes",), Change.EXTRA, None, {"kubelet_versions": []}, INFO, DEP),
    (("nodes", "kubelet_versions"), C, ["v1.29.3"], ["v1.28.9", "v1.29.3"], M, DEP),
    (("nodes", "container_runtimes"), C, ["containerd://1.7.13"], ["containerd://1.6.2"], M, DEP),
    (("nodes", "architectures"), C, ["amd64"], ["amd64", "arm64"], M, DEP),
    (("nodes", "os_images"), C, ["Ubuntu 22.04.4 LTS"], ["Bottlerocket OS 1.19"], L, DEP),
    (("crds", "certificates.cert-manager.io"), Change.MISSING, {"versions": ["v1"]}, None, H, INFRA),
    (("crds", "servicemonitors.monitoring.coreos.com"), Change.EXTRA, None, {"versions": ["v1"]}, M, INFRA),
    (("crds", "certificates.cert-manager.io", "versions"), C, ["v1"], ["v1", "v1alpha2"], M, INFRA),
    (("objects", "namespace", "Secret"), Change.MISSING, {"web": {}}, None, H, CONFIG),
])
def test_cluster_facts_and_crds(segments: tuple[str, ...], change: Change, reference: Any, candidate: Any,
                                severity: Severity, category: Category) -> None:
    assessment = assess(DiffChange(segments, change, reference, candidate), {}, {})
    assert (assessment.severity, assessment.category) == (severity, category)


def test_messages_name_the_object_and_the_field() -> None:
    change = DiffChange(("objects", "namespace", "Deployment", "web", "spec", "replicas"), C, 3, 1)
    assert assess(change, {}, {}).message == "Deployment web: spec/replicas differs"
    missing = DiffChange(("objects", "namespace", "Deployment", "web"), Change.MISSING, {}, None)
    message = "Deployment web is in the reference but missing from the candidate"
    assert assess(missing, {}, {}).message == message
    tag = DiffChange(("objects", "namespace", "CronJob", "report", "spec", "jobTemplate", "spec", "template",
                      "spec", "initContainers", "wait", "image", "tag"), C, "1.0", "1.1")
    assert assess(tag, {}, {}).message == "CronJob report: init container wait image/tag differs"


def test_every_documented_severity_is_tested_and_listed_by_the_probe() -> None:
    assert KubernetesProbe.severity_notes == SEVERITY_NOTES
    tested = {expected[1] for _, _, cases in CASES for expected in cases.values()}
    assert {severity for _, severity in SEVERITY_NOTES} == tested | {Severity.HIGH, Severity.INFO}


def test_the_docs_list_every_default_severity() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "probes" / "kubernetes.md").read_text(encoding="utf-8")
    for what, severity in SEVERITY_NOTES:
        assert f"| {what} | {severity.value} |" in docs
