"""Offline mode: rendered manifests (multi-document YAML, Lists, helm output, JSON) instead of a cluster."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from k8s_cluster import FIXTURES, KNATIVE, MARKERS, collect, find, shop

from fidelity.probe import ProbeError
from probes.kubernetes.kinds import DEFAULT_KINDS


def test_helm_template_output_yields_every_default_kind() -> None:
    result = collect(manifests=str(FIXTURES / "shop.yaml"))
    assert result.gaps == ()
    objects = result.data["objects"]["namespace"]
    assert set(objects) == set(DEFAULT_KINDS)
    assert set(objects["Service"]) == {"web", "web-public"}
    assert "server" not in result.data  # no cluster, no server version or nodes
    assert "nodes" not in result.data
    shown = json.dumps(result.data)
    assert not [m for m in MARKERS if m in shown]


def test_list_objects_and_json_files_read_like_separate_documents(tmp_path: Path) -> None:
    docs = shop()
    listed = {"apiVersion": "v1", "kind": "List", "items": docs[:6]}
    (tmp_path / "list.yaml").write_text(yaml.safe_dump(listed))
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "rest.json").write_text(json.dumps({"kind": "DeploymentList", "items": []}))
    (tmp_path / "nested" / "more.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List",
                                                               "items": docs[6:]}))
    (tmp_path / "README.md").write_text("not a manifest")
    folder = collect(manifests=str(tmp_path))
    assert folder.gaps == ()
    assert folder.data == collect(manifests=str(FIXTURES / "shop.yaml")).data


def test_an_unreadable_file_is_a_gap_that_hides_object_drift(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "shop.yaml", tmp_path / "shop.yaml")
    (tmp_path / "broken.yaml").write_text("kind: ConfigMap\nmetadata: {name: x\n")
    bomb = ["a0: &a0 [" + ", ".join(["x"] * 10) + "]"]
    bomb += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    (tmp_path / "bomb.yaml").write_text("\n".join(bomb) + "\n")
    result = collect(manifests=str(tmp_path))
    assert "Deployment" in result.data["objects"]["namespace"]
    gaps = {g.object: g for g in result.gaps}
    assert set(gaps) == {"broken.yaml", "bomb.yaml"}
    assert "broken.yaml: invalid YAML at line 3" in gaps["broken.yaml"].message
    assert "alias bomb" in gaps["bomb.yaml"].message
    assert {g.segments for g in result.gaps} == {("objects",)}


def test_a_missing_manifests_path_fails_the_probe_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ProbeError, match=r"manifests path .*staging does not exist"):
        collect(manifests=str(tmp_path / "staging"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProbeError, match=r"no \.yaml, \.yml or \.json file"):
        collect(manifests=str(tmp_path / "empty"))


def test_namespaces_pick_objects_and_pair_by_position(tmp_path: Path) -> None:
    docs = shop()
    for doc in docs:
        doc["metadata"]["namespace"] = "shop-prod"
    extra = find(shop(), "ConfigMap", "web-config")
    extra["metadata"] |= {"name": "payments-config", "namespace": "payments-prod"}
    ignored = find(shop(), "ConfigMap", "web-config")
    ignored["metadata"] |= {"name": "other", "namespace": "kube-system"}
    (tmp_path / "all.yaml").write_text(yaml.safe_dump_all([*docs, extra, ignored]))
    result = collect(manifests=str(tmp_path), namespaces=["shop-prod", "payments-prod"],
                     namespace_slots=["shop", "payments"])
    objects = result.data["objects"]
    assert set(objects) == {"shop", "payments"}
    assert list(objects["payments"]["ConfigMap"]) == ["payments-config"]
    assert "other" not in json.dumps(objects)
    renamed = collect(manifests=str(tmp_path), namespaces=["shop-prod", "payments-prod"],
                      rename={"-prod$": ""})
    assert set(renamed.data["objects"]) == {"shop", "payments"}
    with pytest.raises(ProbeError, match="namespace_slots has 1 name"):
        collect(manifests=str(tmp_path), namespaces=["shop-prod", "payments-prod"], namespace_slots=["x"])


def test_kinds_exclusions_and_label_selector_filter_manifests_like_a_cluster() -> None:
    path = str(FIXTURES / "shop.yaml")
    objects = collect(manifests=path, kinds=["Deployment", "Service"]).data["objects"]["namespace"]
    assert set(objects) == {"Deployment", "Service"}
    excluded = collect(manifests=path, exclude_kinds=["Secret", "ConfigMap"]).data["objects"]["namespace"]
    assert not {"Secret", "ConfigMap"} & set(excluded)
    labelled = collect(manifests=path, label_selector="app.kubernetes.io/name in (web)").data["objects"]
    assert {kind for kind, objects in labelled["namespace"].items() if objects} == {
        "Deployment", "Service", "ConfigMap", "Secret", "ServiceAccount"}
    crds = collect(manifests=str(FIXTURES), kinds=["Certificate.cert-manager.io"]).data
    assert list(crds["objects"]["namespace"]["Certificate"]) == ["web-tls"]
    assert crds["crds"]["certificates.cert-manager.io"] == {"versions": ["v1"]}



def test_a_custom_kind_named_like_a_built_in_one_is_not_selected_nor_defaulted_as_it(tmp_path: Path) -> None:
    """`kinds = ["Service"]` means the core Service, as a cluster is read; Knative's Service is
    `Service.serving.knative.dev` and gets none of the core Service's defaults."""
    (tmp_path / "all.yaml").write_text(KNATIVE)
    core = collect(manifests=str(tmp_path), kinds=["Service"]).data["objects"]["namespace"]["Service"]
    assert set(core) == {"db"}
    assert core["db"]["spec"]["sessionAffinity"] == "None"  # the core kind's defaults still apply
    knative = collect(manifests=str(tmp_path), kinds=["Service.serving.knative.dev"]).data
    web = knative["objects"]["namespace"]["Service.serving.knative.dev"]["web"]
    assert "sessionAffinity" not in web["spec"]
    assert "type" not in web["spec"]
    assert "imagePullPolicy" not in json.dumps(web)  # not a Deployment-like pod template of the core kinds
    custom = collect(manifests=str(tmp_path), kinds=["Secret.vault.example.com"]).data
    assert "hunter2-in-a-custom-kind" not in json.dumps(custom)


def test_a_custom_kind_named_like_a_built_in_one_is_filed_apart_from_it(tmp_path: Path) -> None:
    """Both asked for, Knative's Service `web` and a core Service `web` are two objects, not one
    overwriting the other."""
    (tmp_path / "all.yaml").write_text(KNATIVE.replace("name: db", "name: web"))
    objects = collect(manifests=str(tmp_path), kinds=["Service", "Service.serving.knative.dev"]
                      ).data["objects"]["namespace"]
    assert set(objects) == {"Service", "Service.serving.knative.dev"}
    assert objects["Service"]["web"]["spec"]["ports"][0]["port"] == 5432
    assert "containers" in json.dumps(objects["Service.serving.knative.dev"]["web"])


def test_excluding_a_built_in_kind_by_name_keeps_a_custom_kind_named_like_it(tmp_path: Path) -> None:
    """`exclude_kinds = ["Service"]` leaves out the core Service, as `kinds = ["Service"]` selects it;
    Knative's Service goes only when it is named (`Service.serving.knative.dev`)."""
    (tmp_path / "all.yaml").write_text(KNATIVE)
    both = ["Service", "Service.serving.knative.dev"]
    kept = collect(manifests=str(tmp_path), kinds=both, exclude_kinds=["Service"]).data["objects"]
    assert set(kept["namespace"]) == {"Service.serving.knative.dev"}
    other = collect(manifests=str(tmp_path), kinds=both, exclude_kinds=["Service.serving.knative.dev"]
                    ).data["objects"]["namespace"]
    assert set(other) == {"Service"}
    none = collect(manifests=str(tmp_path), kinds=both, exclude_kinds=both).data["objects"]
    assert none.get("namespace") in (None, {})


REUSED = """apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
stringData: {password: Tr0ub4dor-in-a-secret}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
  namespace: shop
  annotations: {note: "copied Tr0ub4dor-in-a-secret here"}
data: {DB_LOGIN: Tr0ub4dor-in-a-secret, LEVEL: info, API_TOKEN: s3cr3t-token-value}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: shop/web:1.0
        args: ["--db-login=Tr0ub4dor-in-a-secret", "--header=s3cr3t-token-value"]
        env: [{name: BACKUP_LOGIN, value: Tr0ub4dor-in-a-secret}]
"""


def test_a_secret_written_again_in_another_object_is_fingerprinted_there_too(tmp_path: Path) -> None:
    """A Secret's value, or one below a secret-looking name, copied into a ConfigMap, an annotation,
    a container's args or env is a secret there too: the same fingerprint, so it still compares."""
    (tmp_path / "all.yaml").write_text(REUSED)
    data = collect(manifests=str(tmp_path)).data
    dumped = json.dumps(data)
    assert "Tr0ub4dor" not in dumped
    assert "s3cr3t-token-value" not in dumped
    objects = data["objects"]["namespace"]
    fingerprint = objects["Secret"]["db"]["data"]["password"]
    assert objects["ConfigMap"]["app"]["data"]["DB_LOGIN"] == fingerprint
    assert objects["ConfigMap"]["app"]["data"]["LEVEL"] == "info"
    container = objects["Deployment"]["web"]["spec"]["template"]["spec"]["containers"][0]
    assert container["args"][0] == f"--db-login={fingerprint}"
    assert container["env"][0]["value"] == fingerprint
