"""End to end: `fidelity audit` on two fake clusters (and on two folders of manifests), as a user runs it."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from conftest import fidelity
from k8s_cluster import MARKERS, container, find, shop

from tests.support.kubernetes_api import FakeApiServer, write_kubeconfig
from tests.support.kubernetes_cluster import FakeCluster, build_cluster

STAGING_MARKERS = ("Staging-Marker-DB-PW-8812", "Staging-Marker-Url-PW-3390")
CONFIG = """\
[audit]
reference = "production"
[environments.production]
[environments.staging]

[probes.k8s]
type = "kubernetes"
{source}
request_timeout = 5
{extra}
[[rewrites]]
reference = "registry.example.com"
candidate = "staging-registry.example.com"
path = "k8s/**/image/repository"
"""
WEB = "k8s/objects/namespace/Deployment/web/spec/template/spec"


def staging_docs() -> list[dict[str, Any]]:
    """Staging: a newer image from its own registry, debug logging, fewer replicas, other secrets."""
    docs = shop()
    web = container(docs)
    web["image"] = "staging-registry.example.com/shop/web:1.5.0"
    container(docs, "migrate")["image"] = "staging-registry.example.com/shop/web:1.4.2"
    next(v for v in web["env"] if v["name"] == "LOG_LEVEL")["value"] = "debug"
    next(v for v in web["env"] if v["name"] == "DATABASE_URL")["value"] = \
        f"postgres://shop:{STAGING_MARKERS[1]}@db.shop.svc:5432/shop"
    find(docs, "Deployment", "web")["spec"]["replicas"] = 1
    find(docs, "Secret", "web-secrets")["stringData"]["DB_PASSWORD"] = STAGING_MARKERS[0]
    return docs


@contextlib.contextmanager
def two_clusters(tmp_path: Path, staging: FakeCluster | None = None) -> Iterator[Path]:
    """Production and staging clusters behind one kubeconfig with a context each; yields the config file."""
    with FakeApiServer(build_cluster(shop(), seed=1), tmp_path / "tls-p") as production, \
            FakeApiServer(staging or build_cluster(staging_docs(), seed=2), tmp_path / "tls-s") as stage:
        write_kubeconfig(tmp_path / "kubeconfig", [production.kubeconfig_entry("prod"),
                                                   stage.kubeconfig_entry("staging")])
        yield tmp_path / "fidelity.toml"


def write_config(path: Path, extra: str = "") -> Path:
    source = 'kubeconfig = "kubeconfig"\ncontext = "prod"'
    staging = '\n[probes.k8s.staging]\ncontext = "staging"\n'
    path.write_text(CONFIG.format(source=source, extra=extra + staging), encoding="utf-8")
    return path


def audit_json(config: Path) -> tuple[int, dict[str, Any]]:
    result = fidelity("audit", "-c", str(config), "--format", "json")
    return result.returncode, json.loads(result.stdout)


EXPECTED = {
    f"{WEB}/containers/web/image/tag": ("changed", "high", "dependency", "1.4.2", "1.5.0"),
    f"{WEB}/containers/web/env/LOG_LEVEL/value": ("changed", "medium", "config", "info", "debug"),
    "k8s/objects/namespace/Deployment/web/spec/replicas": ("changed", "info", "infrastructure", 3, 1),
}


def test_audit_of_two_live_clusters_reports_only_real_drift(tmp_path: Path) -> None:
    with two_clusters(tmp_path) as config:
        write_config(config)
        out = tmp_path / "out"
        args = ["audit", "-c", str(config)]
        for fmt, name in {"json": "r.json", "html": "r.html", "markdown": "r.md", "junit": "r.xml",
                          "terminal": "r.txt"}.items():
            args += ["--format", fmt, "-o", str(out / name)]
        audit = fidelity(*args)
        snapshots = [fidelity("snapshot", "-c", str(config), "--env", env, "-o", str(out / f"{env}.json"))
                     for env in ("production", "staging")]
    assert audit.returncode == 1, audit.stderr  # an image tag changed: high
    assert [s.returncode for s in snapshots] == [0, 0]
    report = json.loads((out / "r.json").read_text())
    assert report["errors"] == []
    found = {f["path"]: (f["change"], f["severity"], f["category"], f["reference"], f["candidate"])
             for f in report["comparisons"][0]["findings"]}
    secret = found.pop(f"{WEB}/containers/web/env/DATABASE_URL/value")
    assert secret[:3] == ("changed", "low", "config")
    password = found.pop("k8s/objects/namespace/Secret/web-secrets/data/DB_PASSWORD")
    assert password[:3] == ("changed", "low", "config")
    assert found == EXPECTED
    blob = "\n".join([p.read_text(encoding="utf-8") for p in out.iterdir()] + [audit.stdout, audit.stderr])
    assert not [m for m in (*MARKERS, *STAGING_MARKERS) if m in blob]
    assert "[secret:" in blob


def test_a_forbidden_kind_makes_the_audit_incomplete_unless_excluded(tmp_path: Path) -> None:
    staging = build_cluster(staging_docs(), seed=2)
    staging.forbidden.add(("secrets", "shop"))
    with two_clusters(tmp_path, staging) as config:
        code, report = audit_json(write_config(config))
        (error,) = report["errors"]
        assert code == 3
        assert (error["environment"], error["probe"], error["object"]) == ("staging", "k8s", "Secret")
        assert 'apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"]' in error["message"]
        paths = {f["path"] for f in report["comparisons"][0]["findings"]}
        assert not [p for p in paths if "/Secret/" in p]
        assert f"{WEB}/containers/web/image/tag" in paths
        excluded_code, excluded = audit_json(write_config(config, 'exclude_kinds = ["Secret"]'))
    assert (excluded_code, excluded["errors"]) == (1, [])


def test_an_unreachable_cluster_is_a_probe_error_naming_the_context(tmp_path: Path) -> None:
    with two_clusters(tmp_path) as config:
        write_config(config)
    code, report = audit_json(config)  # both servers have stopped
    assert code == 3
    assert {e["environment"] for e in report["errors"]} == {"production", "staging"}
    assert "(context 'prod'): cannot reach the API server" in report["errors"][0]["message"]


def test_audit_of_two_folders_of_manifests(tmp_path: Path) -> None:
    for env, docs in (("production", shop()), ("staging", staging_docs())):
        (tmp_path / "deploy" / env).mkdir(parents=True)
        (tmp_path / "deploy" / env / "shop.yaml").write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    config = tmp_path / "fidelity.toml"
    config.write_text(CONFIG.format(source='manifests = "deploy/{env}/"', extra=""), encoding="utf-8")
    code, report = audit_json(config)
    assert code == 1
    found = {f["path"]: (f["change"], f["severity"], f["category"], f["reference"], f["candidate"])
             for f in report["comparisons"][0]["findings"] if f["severity"] != "low"}
    assert found == EXPECTED


def test_a_server_that_is_not_kubernetes_is_an_error_not_an_empty_cluster(tmp_path: Path) -> None:
    """A context whose server answers every GET with 200 and some JSON (a wrong URL, a proxy's landing
    page) is a probe error saying so: read as a cluster with no objects, every manifest was 'missing'."""
    import http.server
    import threading

    class Anything(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = b'{"version": "1.0", "items": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Anything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        entry = {"cluster": {"name": "web", "cluster": {"server": url}},
                 "user": {"name": "web", "user": {"token": "t"}},
                 "context": {"name": "web",
                             "context": {"cluster": "web", "user": "web", "namespace": "shop"}}}
        write_kubeconfig(tmp_path / "kubeconfig", [entry])
        (tmp_path / "deploy").mkdir()
        (tmp_path / "deploy" / "shop.yaml").write_text(yaml.safe_dump_all(shop()), encoding="utf-8")
        config = tmp_path / "fidelity.toml"
        config.write_text(CONFIG.format(source="", extra=(
            '[probes.k8s.production]\nmanifests = "deploy/"\n'
            '[probes.k8s.staging]\nkubeconfig = "kubeconfig"\ncontext = "web"\n')), encoding="utf-8")
        code, report = audit_json(config)
    finally:
        server.shutdown()
    assert code == 3
    assert report["comparisons"][0]["findings"] == []
    [error] = report["errors"]
    assert error["environment"] == "staging"
    assert "did not answer discovery" in error["message"]
    assert "is this the Kubernetes API server?" in error["message"]
