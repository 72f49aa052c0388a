"""The fake API server speaks the real wire format: the official client's typed APIs read it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from k8s_cluster import serving, shop

from tests.support.kubernetes_cluster import build_cluster


def typed_client(kubeconfig: Path) -> Any:
    from kubernetes import client, config

    return config.new_client_from_config(config_file=str(kubeconfig), persist_config=False), client


def test_discovery_and_lists_deserialise_into_the_clients_models(tmp_path: Path) -> None:
    with serving(build_cluster(shop(crds=True), seed=1), tmp_path, tls=True) as (server, kubeconfig):
        api, client = typed_client(kubeconfig)
        with api:
            assert client.VersionApi(api).get_code().git_version == "v1.29.3"
            assert client.CoreApi(api).get_api_versions().versions == ["v1"]
            served = client.ApisApi(api).get_api_versions().groups
            groups = {g.name: g.preferred_version.version for g in served}
            assert groups["autoscaling"] == "v2"
            assert "cert-manager.io" in groups
            core = client.CoreV1Api(api)
            assert "configmaps" in {r.name for r in core.get_api_resources().resources}
            first = core.list_namespaced_config_map("shop", limit=1)
            assert first.metadata.remaining_item_count == 1
            rest = core.list_namespaced_config_map("shop", limit=1, _continue=first.metadata._continue)
            assert {c.metadata.name for c in first.items + rest.items} == {"kube-root-ca.crt", "web-config"}
            assert rest.metadata._continue is None
            (deployment,) = client.AppsV1Api(api).list_namespaced_deployment("shop").items
            limits = deployment.spec.template.spec.containers[0].resources.limits
            assert limits == {"cpu": "1", "memory": "1Gi"}
            assert deployment.metadata.managed_fields[0].manager == "kubectl-client-side-apply"
            hpa = client.AutoscalingV2Api(api).list_namespaced_horizontal_pod_autoscaler("shop").items[0]
            assert hpa.spec.scale_target_ref.name == "web"
            secret = core.list_namespaced_secret("shop", label_selector="app.kubernetes.io/name=web").items[0]
            assert secret.string_data is None
            assert set(secret.data) == {"DB_PASSWORD", "STRIPE_API_KEY", "SESSION_KEY"}
            assert len(core.list_node().items) == 3
    assert {r.method for r in server.requests} == {"GET"}


@pytest.mark.parametrize(("status", "reason"), [(401, "Unauthorized"), (403, "Forbidden"), (404, "NotFound"),
                                                (500, "InternalError")])
def test_errors_come_as_status_objects(tmp_path: Path, status: int, reason: str) -> None:
    from kubernetes.client.exceptions import ApiException

    cluster = build_cluster(shop(), seed=1)
    cluster.forbidden.add(("secrets", None))
    cluster.failing["services"] = 500
    with serving(cluster, tmp_path) as (_, kubeconfig):
        if status == 401:
            cluster.token = "rotated"
        api, client = typed_client(kubeconfig)
        core = client.CoreV1Api(api)
        call = {401: core.list_namespaced_pod, 403: core.list_namespaced_secret,
                404: core.list_namespaced_event, 500: core.list_namespaced_service}[status]
        with api, pytest.raises(ApiException) as caught:
            call("shop")
    assert caught.value.status == status
    body = json.loads(caught.value.body)
    assert (body["kind"], body["status"]) == ("Status", "Failure")
    assert (body["reason"], body["code"]) == (reason, status)
    if status == 403:
        assert body["message"] == ('secrets is forbidden: User "fidelity" cannot list resource "secrets" '
                                   'in API group "" in the namespace "shop"')
        assert body["details"] == {"kind": "secrets"}
