"""Each normalisation rule: what the server or tooling wrote goes, what the owner wrote stays."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from k8s_cluster import KEEPER

from fidelity.snapshot import plain
from probes.kubernetes.collect import Collector
from probes.kubernetes.images import split_image
from probes.kubernetes.kinds import DEFAULT_KINDS, POD_TEMPLATES, known_resource
from probes.kubernetes.normalise import GENERATED_LABELS, TOOLING_ANNOTATIONS, Normaliser
from probes.kubernetes.selector import SelectorError, parse_selector, selects


def normalise(kind: str, obj: dict[str, Any], **options: Any) -> dict[str, Any]:
    """`obj` as the built-in `kind` (with its apiVersion, e.g. apps/v1 for a Deployment), normalised."""
    resource = known_resource(kind)
    api_version = resource.api_version if resource is not None else "v1"
    return Normaliser(KEEPER, **options).normalise(kind, {"kind": kind, "apiVersion": api_version, **obj})


def pod(spec: dict[str, Any]) -> dict[str, Any]:
    """A Deployment around a pod spec."""
    return {"metadata": {"name": "web"}, "spec": {"replicas": 2, "template": {"spec": spec}}}


def pod_spec(body: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = body["spec"]["template"]["spec"]
    return spec


def test_server_assigned_metadata_and_status_are_dropped() -> None:
    body = normalise("ConfigMap", {
        "metadata": {"name": "web", "namespace": "shop-prod", "uid": "6f1c", "resourceVersion": "81723",
                     "generation": 4, "creationTimestamp": "2026-01-01T00:00:00Z", "selfLink": "/api/v1/x",
                     "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:data": {}}}],
                     "ownerReferences": [{"kind": "Shop", "name": "x", "uid": "9a", "controller": True}],
                     "finalizers": ["example.com/cleanup"], "deletionTimestamp": "2026-01-02T00:00:00Z",
                     "deletionGracePeriodSeconds": 30, "labels": {"app": "web"},
                     "annotations": {"team": "a"}},
        "data": {"k": "v"}, "status": {"phase": "Active"}})
    assert body == {"apiVersion": "v1", "metadata": {"labels": {"app": "web"}, "annotations": {"team": "a"}},
                    "data": {"k": "v"}}


@pytest.mark.parametrize("annotation", [p.replace("*", "anything") for p in TOOLING_ANNOTATIONS])
def test_tooling_annotations_are_dropped_and_the_owners_kept(annotation: str) -> None:
    meta = {"name": "web", "annotations": {annotation: "x", "team": "a"}}
    body = normalise("Deployment", {"metadata": meta,
                                    "spec": {"template": {"metadata": {"annotations": {annotation: "y"}}}}})
    assert body["metadata"]["annotations"] == {"team": "a"}
    assert "metadata" not in body["spec"]["template"]


@pytest.mark.parametrize("label", sorted(GENERATED_LABELS))
def test_generated_labels_are_dropped(label: str) -> None:
    body = normalise("Deployment", {"metadata": {"name": "web", "labels": {label: "5d8f7", "app": "web"}}})
    assert body["metadata"]["labels"] == {"app": "web"}


def test_service_addresses_assigned_by_the_cluster_are_dropped() -> None:
    body = normalise("Service", {"metadata": {"name": "web"}, "spec": {
        "type": "LoadBalancer", "clusterIP": "10.96.4.7", "clusterIPs": ["10.96.4.7"],
        "healthCheckNodePort": 31999, "ports": [{"name": "https", "port": 443, "nodePort": 30443}]}})
    served = {"ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"], "internalTrafficPolicy": "Cluster",
              "sessionAffinity": "None"}  # defaults the API server fills in (see defaults.py)
    port = {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 443}
    assert body["spec"] == {"type": "LoadBalancer", "ports": [port], "externalTrafficPolicy": "Cluster",
                            "allocateLoadBalancerNodePorts": True, **served}
    headless = normalise("Service", {"metadata": {"name": "db"}, "spec": {"clusterIP": "None",
                                                                         "clusterIPs": ["None"]}})
    assert headless["spec"] == {"clusterIP": "None", "type": "ClusterIP", **served}


def test_the_node_a_pod_landed_on_and_the_service_account_alias_are_dropped() -> None:
    body = normalise("Deployment", pod({"nodeName": "ip-10-0-1-2", "serviceAccount": "web",
                                        "serviceAccountName": "web", "containers": []}))
    assert pod_spec(body) == {"serviceAccountName": "web", "containers": [], "restartPolicy": "Always",
                              "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
                              "securityContext": {}, "terminationGracePeriodSeconds": 30}  # server defaults


def test_secret_string_data_merges_into_data_and_only_fingerprints_remain() -> None:
    manifest = normalise("Secret", {"metadata": {"name": "s"}, "stringData": {"password": "hunter2"},
                                    "data": {"user": base64.b64encode(b"admin").decode()}})
    stored = normalise("Secret", {"metadata": {"name": "s"}, "data": {
        "password": base64.b64encode(b"hunter2").decode(), "user": base64.b64encode(b"admin").decode()}})
    assert manifest == stored
    assert set(manifest["data"]) == {"password", "user"}
    assert all(v.startswith("[secret:") for v in manifest["data"].values())
    assert "hunter2" not in json.dumps(manifest)
    assert "admin" not in json.dumps(manifest)
    other = normalise("Secret", {"metadata": {"name": "s"}, "stringData": {"password": "hunter3"}})
    assert other["data"]["password"] != manifest["data"]["password"]


def test_string_data_wins_over_data_and_binary_values_are_fingerprinted() -> None:
    body = normalise("Secret", {"metadata": {"name": "s"}, "stringData": {"k": "new"},
                                "data": {"k": base64.b64encode(b"old").decode(),
                                         "bin": base64.b64encode(b"\xff\xfe").decode(), "bad": "%%%"}})
    assert body["data"]["k"] == KEEPER.fingerprint("new")
    assert body["data"]["bin"].startswith("[secret:")
    assert body["data"]["bad"].startswith("[secret:")


def test_quantities_are_normalised_wherever_resources_are_written() -> None:
    body = normalise("Deployment", pod({
        "containers": [{"name": "web", "resources": {"requests": {"cpu": 0.1, "memory": "1073741824"},
                                                     "limits": {"cpu": "1000m", "memory": "1024Mi"}}}],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "1024Mi"}}]}))
    spec = pod_spec(body)
    assert spec["containers"][0]["resources"] == {"requests": {"cpu": "100m", "memory": "1Gi"},
                                                  "limits": {"cpu": "1", "memory": "1Gi"}}
    assert spec["volumes"][0]["emptyDir"]["sizeLimit"] == "1Gi"
    hpa = normalise("HorizontalPodAutoscaler", {"metadata": {"name": "web"}, "spec": {"metrics": [
        {"type": "Pods", "pods": {"target": {"type": "AverageValue", "averageValue": "0.5"}}}]}})
    assert hpa["spec"]["metrics"][0]["pods"]["target"]["averageValue"] == "500m"
    claims = normalise("StatefulSet", {"metadata": {"name": "db"}, "spec": {"volumeClaimTemplates": [
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
         "spec": {"resources": {"requests": {"storage": "10240Mi"}}}, "status": {"phase": "Pending"}}]}})
    assert claims["spec"]["volumeClaimTemplates"] == [
        {"spec": {"resources": {"requests": {"storage": "10Gi"}}, "volumeMode": "Filesystem"},
         "metadata": {"name": "data"}}]
    quota = normalise("ResourceQuota", {"metadata": {"name": "q"},
                                        "spec": {"hard": {"requests.cpu": "4000m"}}})
    assert quota["spec"]["hard"] == {"requests.cpu": "4"}


@pytest.mark.parametrize(("image", "expected"), [
    ("nginx", {"repository": "docker.io/library/nginx", "tag": "latest"}),
    ("nginx:1.25", {"repository": "docker.io/library/nginx", "tag": "1.25"}),
    ("docker.io/library/nginx:1.25", {"repository": "docker.io/library/nginx", "tag": "1.25"}),
    ("index.docker.io/nginx:1.25", {"repository": "docker.io/library/nginx", "tag": "1.25"}),
    ("bitnami/redis:7.2", {"repository": "docker.io/bitnami/redis", "tag": "7.2"}),
    ("registry.example.com:5000/shop/web:1.4.2",
     {"repository": "registry.example.com:5000/shop/web", "tag": "1.4.2"}),
    ("localhost/web", {"repository": "localhost/web", "tag": "latest"}),
    ("ghcr.io/acme/api@sha256:abc123", {"repository": "ghcr.io/acme/api", "digest": "sha256:abc123"}),
    ("ghcr.io/acme/api:2.0@sha256:abc123",
     {"repository": "ghcr.io/acme/api", "tag": "2.0", "digest": "sha256:abc123"}),
])
def test_images_split_into_repository_tag_and_digest(image: str, expected: dict[str, str]) -> None:
    assert split_image(image) == expected
    body = normalise("Deployment", pod({"initContainers": [{"name": "init", "image": image}]}))
    assert pod_spec(body)["initContainers"][0]["image"] == expected


@pytest.mark.parametrize(("kind", "obj"), [
    ("ServiceAccount", {"metadata": {"name": "default"}}),
    ("ConfigMap", {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": "..."}}),
    ("Secret", {"metadata": {"name": "web-token-x7k2p"}, "type": "kubernetes.io/service-account-token"}),
    ("Job", {"metadata": {"name": "nightly-29123", "ownerReferences": [
        {"kind": "CronJob", "name": "nightly", "uid": "1", "controller": True}]}}),
])
def test_objects_the_cluster_creates_are_skipped_unless_asked_for(kind: str, obj: dict[str, Any]) -> None:
    default = Collector(Normaliser(KEEPER), ())
    default.add("namespace", kind, dict(obj))
    assert default.objects == {}
    everything = Collector(Normaliser(KEEPER, include_cluster_objects=True), ())
    everything.add("namespace", kind, dict(obj))
    assert list(everything.objects["namespace"][kind]) == [obj["metadata"]["name"]]


def test_objects_owned_by_other_controllers_are_kept() -> None:
    collector = Collector(Normaliser(KEEPER), ())
    collector.add("namespace", "ConfigMap", {"metadata": {"name": "grafana", "ownerReferences": [
        {"kind": "Grafana", "name": "g", "uid": "1", "controller": True}]}})
    assert list(collector.objects["namespace"]["ConfigMap"]) == ["grafana"]


def test_service_account_token_references_are_dropped() -> None:
    body = normalise("ServiceAccount", {"metadata": {"name": "web"}, "secrets": [
        {"name": "web-token-x7k2p"}, {"name": "web-dockercfg-ab12c"}, {"name": "deploy-key"}],
        "imagePullSecrets": [{"name": "web-dockercfg-ab12c"}]})
    assert body == {"apiVersion": "v1", "secrets": [{"name": "deploy-key"}]}


def test_rename_maps_names_and_the_references_to_them() -> None:
    normaliser = Normaliser(KEEPER, {"-staging$": "", "^stg-": ""})
    collector = Collector(normaliser, ())
    source = {"secretKeyRef": {"name": "stg-db", "key": "pw"}}
    collector.add("namespace", "Deployment", {"metadata": {"name": "web-staging"}, "spec": {"template": {
        "spec": {"serviceAccountName": "web-staging", "imagePullSecrets": [{"name": "stg-pull"}],
        "volumes": [{"name": "c", "configMap": {"name": "web-config-staging"}},
                    {"name": "s", "secret": {"secretName": "web-secrets-staging"}}],
        "containers": [{"name": "web", "envFrom": [{"configMapRef": {"name": "web-config-staging"}}],
                        "env": [{"name": "A", "valueFrom": source}]}]}}}})
    collector.add("namespace", "HorizontalPodAutoscaler", {"metadata": {"name": "web-staging"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web-staging"}}})
    collector.add("namespace", "Ingress", {"metadata": {"name": "web-staging"}, "spec": {
        "tls": [{"secretName": "web-tls-staging"}],
        "rules": [{"http": {"paths": [{"backend": {"service": {"name": "web-staging"}}}]}}]}})
    deployment = collector.objects["namespace"]["Deployment"]["web"]
    spec = pod_spec(deployment)
    assert spec["serviceAccountName"] == "web"
    assert spec["imagePullSecrets"] == [{"name": "pull"}]
    assert spec["volumes"][0]["configMap"]["name"] == "web-config"
    assert spec["volumes"][1]["secret"]["secretName"] == "web-secrets"
    assert spec["containers"][0]["envFrom"][0]["configMapRef"]["name"] == "web-config"
    assert spec["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"] == "db"
    hpa = collector.objects["namespace"]["HorizontalPodAutoscaler"]["web"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "web"
    ingress = collector.objects["namespace"]["Ingress"]["web"]["spec"]
    assert ingress["tls"][0]["secretName"] == "web-tls"
    assert ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "web"


def test_secret_looking_env_and_config_values_are_fingerprinted() -> None:
    body = normalise("Deployment", pod({"containers": [{"name": "web", "args": ["--db=postgres://u:pw-A1@db/x"],
                                                        "env": [{"name": "API_TOKEN", "value": "tok-A1"},
                                                                {"name": "SENTRY", "value": "dsn-A1"},
                                                                {"name": "LOG_LEVEL", "value": "info"}]}]}),
                     secret_keys=("SENTRY",))
    text = json.dumps(plain(body, KEEPER))  # as the snapshot records the data
    assert "tok-A1" not in text
    assert "dsn-A1" not in text
    assert "pw-A1" not in text
    assert "postgres://u:[secret:" in text
    assert '"info"' in text
    config = normalise("ConfigMap", {"metadata": {"name": "c"},
                                     "data": {"client_secret": "cs-A1", "level": "x"}})
    assert config["data"]["client_secret"].startswith("[secret:")
    assert config["data"]["level"] == "x"


def test_a_job_selector_generated_by_the_controller_is_dropped() -> None:
    body = normalise("Job", {"metadata": {"name": "once"}, "spec": {
        "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "6c1d"}},
        "template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": "6c1d", "job": "once"}}}}})
    assert body["spec"] == {"template": {"metadata": {"labels": {"job": "once"}}},
                            "completions": 1, "parallelism": 1, "backoffLimit": 6,  # server defaults
                            "completionMode": "NonIndexed", "suspend": False}


@pytest.mark.parametrize(("selector", "labels", "selected"), [
    ("", {}, True),
    ("app=web", {"app": "web"}, True),
    ("app==web", {"app": "api"}, False),
    ("app!=web", {}, True),
    ("tier", {"tier": "x"}, True),
    ("!tier", {"tier": "x"}, False),
    ("env in (prod, staging),app", {"env": "staging", "app": "web"}, True),
    ("env notin (prod,staging)", {"env": "prod"}, False),
    ("app.kubernetes.io/name=web, tier!=db", {"app.kubernetes.io/name": "web", "tier": "fe"}, True),
])
def test_label_selectors_select_as_kubectl_does(selector: str, labels: dict[str, str],
                                                selected: bool) -> None:
    assert selects(parse_selector(selector), labels) is selected


@pytest.mark.parametrize("selector", ["=web", "app in web", "(a)", "a b"])
def test_bad_label_selectors_say_what_is_wrong(selector: str) -> None:
    with pytest.raises(SelectorError, match="cannot read label selector requirement"):
        parse_selector(selector)


_FIELDS = ["name", "labels", "annotations", "controller", "kind", "image", "env", "value", "valueFrom",
           "configMapRef", "resources", "requests", "limits", "emptyDir", "sizeLimit", "sources", "target",
           "averageValue", "http", "paths", "backend", "service", "nodePort", "clusterIP", "metadata", "spec"]
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_FIELDS), inner, max_size=4),
    max_leaves=12)
#: Where the normalisation rules look; random values are planted there.
_PLACES = [tuple(p.split(".")) for p in (
    "metadata", "metadata.labels", "metadata.annotations", "metadata.ownerReferences", "spec",
    "spec.template",
    "spec.template.metadata", "spec.template.spec", "spec.template.spec.containers",
    "spec.template.spec.containers.0", "spec.template.spec.containers.0.env",
    "spec.template.spec.containers.0.env.0", "spec.template.spec.containers.0.resources",
    "spec.template.spec.containers.0.envFrom", "spec.template.spec.volumes", "spec.template.spec.volumes.0",
    "spec.jobTemplate", "spec.jobTemplate.spec.template.spec", "data", "stringData", "type", "secrets",
    "spec.ports", "spec.metrics", "spec.metrics.0.resource", "spec.rules", "spec.rules.0.http", "spec.tls",
    "spec.defaultBackend", "spec.scaleTargetRef", "spec.volumeClaimTemplates",
    "spec.volumeClaimTemplates.0", "spec.selector", "spec.hard", "spec.limits", "spec.versions", "status",
    "status.nodeInfo")]


def _plant(tree: dict[str, Any], place: tuple[str, ...], value: Any) -> None:
    for key, following in zip(place, (*place[1:], None), strict=True):
        if following is None:
            if isinstance(tree, dict):
                tree[key] = value
            elif isinstance(tree, list):
                tree[:1] = [value]
            return
        child: Any = [{}] if following == "0" else {}
        if isinstance(tree, list):
            tree = tree[0] if tree and isinstance(tree[0], dict) else child
            continue
        if not isinstance(tree.get(key), (dict, list)):
            tree[key] = child
        tree = tree[key]


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(sorted({*DEFAULT_KINDS, *POD_TEMPLATES, "Job", "Pod", "LimitRange",
                                    "ResourceQuota", "PersistentVolumeClaim"})),
       planted=st.lists(st.tuples(st.sampled_from(_PLACES), _JSON), max_size=6))
def test_malformed_objects_never_crash_the_probe(kind: str,
                                                 planted: list[tuple[tuple[str, ...], Any]]) -> None:
    obj: dict[str, Any] = {}
    for place, value in planted:
        _plant(obj, place, value)
    obj["metadata"] = {**(obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}), "name": "n"}
    collector = Collector(Normaliser(KEEPER, {"x": "y"}), parse_selector("a!=b"))
    collector.add("namespace", kind, copy.deepcopy(obj))
    collector.add_crd(copy.deepcopy(obj))
    collector.add_nodes([obj, None])
    json.dumps(collector.data)


@pytest.mark.parametrize("name", [["a", "b"], {"k": 1}, 7, None])
def test_an_env_var_whose_name_is_not_a_string_never_crashes_the_probe(name: Any) -> None:
    """Found by the property test above: a name that is a list could not key the cache of secret
    names (TypeError). A secret-looking name written as a list is still a secret name."""
    containers = [{"name": "web", "env": [{"name": name, "value": "v"},
                                          {"name": ["DB_PASSWORD"], "value": "hunter2-secret"}]}]
    obj = {"metadata": {"name": "n"}, "spec": {"template": {"spec": {"containers": containers}}}}
    collector = Collector(Normaliser(KEEPER, {}), parse_selector(""))
    collector.add("namespace", "Deployment", obj)
    assert "hunter2-secret" not in json.dumps(collector.data)
