"""One environment's manifests defining the same object twice: a gap naming both files, not a silent pick."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from conftest import fidelity
from k8s_cluster import collect, find, shop


def test_the_same_object_in_two_files_is_a_gap_naming_both(tmp_path: Path) -> None:
    docs = shop()
    first = find(docs, "Deployment", "web")
    second = json.loads(json.dumps(first))
    second["spec"]["replicas"] = 7
    (tmp_path / "a.yaml").write_text(yaml.safe_dump_all(docs))
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(second))
    result = collect(manifests=str(tmp_path))
    [gap] = result.gaps
    assert gap.object == "Deployment/web"
    assert gap.segments == ("objects", "namespace", "Deployment", "web")
    assert str(tmp_path / "a.yaml") in gap.message
    assert str(tmp_path / "b.yaml") in gap.message
    assert "web" not in result.data["objects"]["namespace"]["Deployment"]
    assert "Service" in result.data["objects"]["namespace"]  # the rest stays readable


def test_an_audit_with_a_twice_defined_object_exits_3(tmp_path: Path) -> None:
    for env in ("production", "staging"):
        (tmp_path / env).mkdir()
        (tmp_path / env / "all.yaml").write_text(yaml.safe_dump_all(shop()))
    (tmp_path / "staging" / "again.yaml").write_text(yaml.safe_dump(find(shop(), "ConfigMap", "web-config")))
    (tmp_path / "fidelity.toml").write_text(
        '[audit]\nreference = "production"\n[environments.production]\n[environments.staging]\n'
        '[probes.k8s]\ntype = "kubernetes"\nmanifests = "{env}"\n')
    result = fidelity("audit", "-c", str(tmp_path / "fidelity.toml"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    [error] = report["errors"]
    assert (error["environment"], error["object"]) == ("staging", "ConfigMap/web-config")
    assert "all.yaml" in error["message"]
    assert "again.yaml" in error["message"]


def test_a_key_written_twice_in_a_manifest_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                      "data:\n  a: first-VALUE\n  a: second-VALUE\n")
    result = collect(manifests=str(tmp_path), kinds=["ConfigMap"])
    [warning] = result.warnings
    assert warning.message.endswith("cm.yaml: duplicate key 'a' at lines 6 and 7; the last one is used")
    assert "VALUE" not in warning.message


def test_a_secret_written_twice_as_a_key_is_not_shown_in_the_warning(tmp_path: Path) -> None:
    """The warning does not say where a key sits, so a random-looking key (a token used as a map key)
    is shown as the data would show it below a secret-looking name: fingerprinted."""
    token = "q8Zr2LmX0vKpT7wN4bYc9HsJ"
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
                                      f"data:\n  {token}: svc-a\n  {token}: svc-b\n  plain: 1\n  plain: 2\n")
    result = collect(manifests=str(tmp_path), kinds=["ConfigMap"])
    messages = [w.message for w in result.warnings]
    assert len(messages) == 2
    assert not [m for m in messages if token in m]
    assert any("duplicate key 'plain'" in m for m in messages)  # an ordinary key stays readable
