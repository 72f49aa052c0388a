"""Live mode through the official client against a fake API server over real HTTP(S)."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path

import pytest
import yaml
from k8s_cluster import FIXTURES, KNATIVE, MARKERS, collect, find, findings, live, serving, shop

from fidelity.probe import ProbeError
from tests.support.kubernetes_api import write_kubeconfig
from tests.support.kubernetes_cluster import FakeCluster, build_cluster

#: /version, /apis, the node list and the CRD list.
FIXED_CALLS = 4


def test_same_desired_state_with_different_server_fields_gives_zero_findings(tmp_path: Path) -> None:
    production = live(shop(crds=True), tmp_path, seed=1)
    staging = live(shop(crds=True), tmp_path, seed=2, environment="staging")
    assert production.gaps == staging.gaps == ()
    assert findings(production, staging) == {}
    served = [build_cluster(shop(), seed=s).objects for s in (1, 2)]
    uids = [{o["metadata"]["uid"] for o in objects} for objects in served]
    assert not uids[0] & uids[1]  # the clusters really differ in what the server assigned


def test_offline_and_live_modes_agree_on_the_same_objects(tmp_path: Path) -> None:
    kinds = ["Deployment", "Secret", "ConfigMap", "Service", "HorizontalPodAutoscaler", "Certificate"]
    cluster = live(shop(crds=True), tmp_path, kinds=kinds)
    offline = collect(manifests=str(FIXTURES), kinds=kinds)
    assert offline.data["objects"] == cluster.data["objects"]
    assert offline.data["crds"] == cluster.data["crds"]
    assert cluster.data["server"] == {"version": "v1.29.3"}
    assert cluster.data["nodes"] == {"kubelet_versions": ["v1.29.3"], "container_runtimes": ["containerd://1.7.13"],
                                     "os_images": ["Ubuntu 22.04.4 LTS"], "architectures": ["amd64"]}
    for result in (cluster, offline):
        shown = json.dumps(result.data)
        assert not [m for m in MARKERS if m in shown]


def test_lists_are_paginated_read_only_and_counted(tmp_path: Path) -> None:
    docs = shop()
    config = find(docs, "ConfigMap", "web-config")
    docs += [copy.deepcopy(config) | {"metadata": {"name": f"extra-{i}"}} for i in range(7)]
    cluster = build_cluster(docs, seed=3)
    with serving(cluster, tmp_path) as (server, kubeconfig):
        result = collect(kubeconfig=str(kubeconfig), page_size=3)
    assert len(result.data["objects"]["namespace"]["ConfigMap"]) == 8
    assert {r.method for r in server.requests} == {"GET"}
    pages = [r for r in server.requests if r.path.endswith("/configmaps")]
    assert len(pages) == 3  # 9 stored (8 + kube-root-ca.crt), 3 per page
    assert all(r.query["limit"] == ["3"] for r in pages)
    assert ["continue" in r.query for r in pages] == [False, True, True]
    lists = [r for r in server.requests if "limit" in r.query]
    assert len(server.requests) == len(lists) + 2  # plus /version and /apis
    assert len(lists) == 12 + 2 + 2  # one page for most default kinds, and nodes and CRDs


def test_a_continue_token_that_expired_restarts_the_list_once(tmp_path: Path) -> None:
    cluster = build_cluster(shop(), seed=1)
    cluster.failing["services"] = 410
    with serving(cluster, tmp_path) as (server, kubeconfig):
        result = collect(kubeconfig=str(kubeconfig), page_size=1, kinds=["Service"])
    assert result.gaps == ()
    assert set(result.data["objects"]["namespace"]["Service"]) == {"web", "web-public"}
    pages = [("continue" in r.query) for r in server.requests if r.path.endswith("/services")]
    assert pages == [False, True, False, True]  # page 2 expired: the list started over


def test_a_forbidden_kind_is_a_gap_with_the_exact_rbac_rule_and_the_rest_is_read(tmp_path: Path) -> None:
    def forbid(cluster: FakeCluster) -> None:
        cluster.forbidden |= {("secrets", "shop"), ("nodes", None)}

    result = live(shop(), tmp_path, setup=forbid)
    assert "Secret" not in result.data["objects"]["namespace"]
    assert "Deployment" in result.data["objects"]["namespace"]
    gaps = {g.object: g for g in result.gaps}
    assert set(gaps) == {"Secret", "Node"}
    assert gaps["Secret"].segments == ("objects", "namespace", "Secret")
    assert gaps["Secret"].message == (
        "cannot list secrets in namespace \"shop\" (context 'production'): forbidden; grant a Role in "
        'namespace "shop" the rule {apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]}, '
        "or leave Secret out with `exclude_kinds`")
    assert gaps["Node"].segments == ("nodes",)
    assert "grant a ClusterRole the rule {apiGroups: [\"\"], resources: [\"nodes\"]" in gaps["Node"].message
    excluded = live(shop(), tmp_path, setup=forbid, exclude_kinds=["Secret", "Node"])
    assert excluded.gaps == ()
    assert "nodes" not in excluded.data


def test_a_kind_left_out_of_kinds_is_never_requested(tmp_path: Path) -> None:
    cluster = build_cluster(shop(), seed=1)
    cluster.forbidden.add(("secrets", None))
    with serving(cluster, tmp_path) as (server, kubeconfig):
        result = collect(kubeconfig=str(kubeconfig), kinds=["Deployment", "ConfigMap"])
    assert result.gaps == ()
    assert not [r for r in server.requests if "secrets" in r.path]


def test_server_errors_and_unknown_resources_are_gaps_for_that_kind_only(tmp_path: Path) -> None:
    def fail(cluster: FakeCluster) -> None:
        cluster.failing |= {"ingresses": 500, "cronjobs": 404}

    result = live(shop(), tmp_path, setup=fail)
    where = "in namespace \"shop\" (context 'production'): HTTP"
    gaps = {g.object: g.message for g in result.gaps}
    assert gaps == {
        "Ingress": f"cannot list ingresses {where} 500: etcdserver: request timed out",
        "CronJob": f"cannot list cronjobs {where} 404: etcdserver: request timed out",
    }
    assert "Deployment" in result.data["objects"]["namespace"]


def test_a_list_that_never_answers_times_out_as_a_gap(tmp_path: Path) -> None:
    def hang(cluster: FakeCluster) -> None:
        cluster.hanging.add("deployments")

    result = live(shop(), tmp_path, setup=hang, request_timeout=0.5)  # returns: the hang became a gap
    (gap,) = result.gaps
    assert gap.object == "Deployment"
    assert "no answer within request_timeout = 0.5 s; raise `request_timeout`" in gap.message
    assert "StatefulSet" in result.data["objects"]["namespace"]


def test_bad_credentials_fail_the_probe_naming_the_context(tmp_path: Path) -> None:
    cluster = build_cluster(shop(), seed=1)
    with serving(cluster, tmp_path) as (server, _):
        kubeconfig = write_kubeconfig(tmp_path / "kc", [server.kubeconfig_entry("prod-eu", token="wrong")])
        with pytest.raises(ProbeError) as caught:
            collect(kubeconfig=str(kubeconfig))
    assert str(caught.value) == (
        f"probe 'k8s' (context 'prod-eu'): the API server at {server.url} rejected the credentials "
        "(401 Unauthorized); log in again or fix the user of this context")
    assert "wrong" not in str(caught.value)


def test_an_unreachable_server_fails_the_probe_naming_the_context(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    entry = {"cluster": {"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}},
             "user": {"name": "u", "user": {"token": "t"}},
             "context": {"name": "staging-us", "context": {"cluster": "c", "user": "u"}}}
    kubeconfig = write_kubeconfig(tmp_path / "kc", [entry])
    with pytest.raises(ProbeError, match=rf"probe 'k8s' \(context 'staging-us'\): cannot reach the API "
                                         rf"server at http://127.0.0.1:{port}: "):
        collect(kubeconfig=str(kubeconfig), request_timeout=2)


def test_contexts_are_chosen_by_name_and_unknown_ones_listed(tmp_path: Path) -> None:
    docs = shop()
    find(docs, "Deployment", "web")["spec"]["replicas"] = 7
    with serving(build_cluster(shop(), seed=1), tmp_path, "a") as (first, _), \
            serving(build_cluster(docs, seed=2), tmp_path, "b") as (second, _):
        kubeconfig = write_kubeconfig(tmp_path / "both", [first.kubeconfig_entry("prod"),
                                                          second.kubeconfig_entry("staging")])
        chosen = collect(kubeconfig=str(kubeconfig), context="staging", kinds=["Deployment"])
        current = collect(kubeconfig=str(kubeconfig), kinds=["Deployment"])
        with pytest.raises(ProbeError, match=r"context 'qa' is not in kubeconfig .*\(contexts: prod, stag"):
            collect(kubeconfig=str(kubeconfig), context="qa")
    assert chosen.data["objects"]["namespace"]["Deployment"]["web"]["spec"]["replicas"] == 7
    assert current.data["objects"]["namespace"]["Deployment"]["web"]["spec"]["replicas"] == 3
    with pytest.raises(ProbeError, match="no kubeconfig found at"):
        collect(kubeconfig=str(tmp_path / "missing"))


def test_tls_with_a_generated_ca_is_verified(tmp_path: Path) -> None:
    with serving(build_cluster(shop(), seed=1), tmp_path, tls=True) as (server, kubeconfig):
        assert server.url.startswith("https://")
        result = collect(kubeconfig=str(kubeconfig), kinds=["Deployment"])
        assert result.gaps == ()
        entry = server.kubeconfig_entry("no-ca")
        del entry["cluster"]["cluster"]["certificate-authority-data"]
        untrusted = write_kubeconfig(tmp_path / "untrusted", [entry])
        with pytest.raises(ProbeError, match=r"context 'no-ca'.*(?i:certificate verify failed)"):
            collect(kubeconfig=str(untrusted), kinds=["Deployment"])


def test_several_namespaces_pair_by_position_under_named_slots(tmp_path: Path) -> None:
    cluster = build_cluster(shop(), namespaces=("shop-prod", "pay-prod"), seed=1)
    with serving(cluster, tmp_path) as (_, kubeconfig):
        slots = collect(kubeconfig=str(kubeconfig), namespaces=["shop-prod", "pay-prod"],
                        namespace_slots=["shop", "payments"], kinds=["ConfigMap"])
        renamed = collect(kubeconfig=str(kubeconfig), namespaces=["shop-prod", "pay-prod"],
                          rename={"-prod$": ""}, kinds=["ConfigMap"])
    assert set(slots.data["objects"]) == {"shop", "payments"}
    assert set(renamed.data["objects"]) == {"shop", "pay"}
    assert slots.data["objects"]["shop"] == slots.data["objects"]["payments"]


def test_custom_resources_are_found_by_discovery_and_absent_kinds_are_skipped(tmp_path: Path) -> None:
    with_crds = live(shop(crds=True), tmp_path, kinds=["Certificate", "ServiceMonitor.monitoring.coreos.com"])
    assert list(with_crds.data["objects"]["namespace"]["Certificate"]) == ["web-tls"]
    without = live(shop(), tmp_path, kinds=["Certificate"])
    assert without.gaps == ()
    assert without.data["objects"] == {}


def test_without_a_kubeconfig_a_pod_uses_its_service_account(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from kubernetes.config import incluster_config

    import probes.kubernetes.client

    cluster = build_cluster(shop(), seed=1)
    with serving(cluster, tmp_path, tls=True) as (server, kubeconfig):
        account = tmp_path / "serviceaccount"
        account.mkdir()
        (account / "token").write_text(cluster.token)
        (account / "ca.crt").write_bytes(server.ca_pem or b"")
        (account / "namespace").write_text("shop\n")
        # Where a pod finds its service account; nothing else of the client is replaced.
        monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(account / "token"))
        monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(account / "ca.crt"))
        monkeypatch.setattr(probes.kubernetes.client, "IN_CLUSTER_NAMESPACE", account / "namespace")
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.delenv("KUBECONFIG", raising=False)
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", server.url.rsplit(":", 1)[1])
        in_pod = collect(kinds=["Deployment"])
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))  # a kubeconfig, when there is one, wins
        from_env = collect(kinds=["Deployment"])
    assert list(in_pod.data["objects"]["namespace"]["Deployment"]) == ["web"]
    assert from_env.data == in_pod.data
    assert {r.path for r in server.requests if "deployments" in r.path} == {
        "/apis/apps/v1/namespaces/shop/deployments"}


def test_a_custom_kind_named_like_a_built_in_one_is_filed_apart_from_it(tmp_path: Path) -> None:
    """Read from a cluster as from manifests: Knative's Service `web` beside the core Service `web`."""
    docs = [d for d in yaml.safe_load_all(KNATIVE.replace("name: db", "name: web")) if d["kind"] == "Service"]
    docs.append({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                 "metadata": {"name": "services.serving.knative.dev"},
                 "spec": {"group": "serving.knative.dev", "scope": "Namespaced",
                          "names": {"kind": "Service", "plural": "services"},
                          "versions": [{"name": "v1", "served": True}]}})
    both = live(docs, tmp_path, kinds=["Service", "Service.serving.knative.dev"])
    assert both.gaps == ()
    objects = both.data["objects"]["namespace"]
    assert set(objects) == {"Service", "Service.serving.knative.dev"}
    assert objects["Service"]["web"]["spec"]["ports"][0]["port"] == 5432
    assert "containers" in json.dumps(objects["Service.serving.knative.dev"]["web"])
    core = live(docs, tmp_path, kinds=["Service"]).data["objects"]["namespace"]
    assert set(core) == {"Service"}
