"""Shared helpers for the kubernetes probe tests: fixture manifests, fake clusters, collecting, diffing."""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fidelity.model import Category, Change, Severity
from fidelity.policy import Policy, build_report
from fidelity.probe import ProbeContext, ProbeResult
from fidelity.redact import SecretKeeper
from fidelity.snapshot import ProbeSnapshot, Snapshot, plain
from probes.config_files.formats import parse_yaml
from probes.kubernetes import KubernetesProbe
from probes.kubernetes.manifests import documents
from tests.support.kubernetes_api import FakeApiServer, write_kubeconfig
from tests.support.kubernetes_cluster import FakeCluster, build_cluster

FIXTURES = Path(__file__).parent / "fixtures"
#: Secret values planted in the fixtures; none may reach a snapshot or a report.
MARKERS = ("Marker-Secret-DB-PW-4417", "Marker-Secret-Stripe-9903", "Marker-Secret-Session-2218",
           "Marker-Secret-Url-PW-5150")
KEEPER = SecretKeeper(b"test-key")

#: A core Service, Knative's Service and a custom kind named Secret, in one multi-document file.
KNATIVE = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{image: "ghcr.io/acme/web:1.2"}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: vault.example.com/v1
kind: Secret
metadata: {name: vaulted, namespace: shop}
data: {password: hunter2-in-a-custom-kind}
"""


@functools.cache
def _parsed(name: str) -> tuple[dict[str, Any], ...]:
    path = FIXTURES / name
    return tuple(documents(parse_yaml(path.read_text(encoding="utf-8"), str(path))))


def shop(*, crds: bool = False) -> list[dict[str, Any]]:
    """Fresh copies of the fixture manifests (and the CRD fixtures)."""
    docs = [*_parsed("shop.yaml"), *(_parsed("crds.yaml") if crds else ())]
    return copy.deepcopy(docs)


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    """The manifest of one object, to edit in a test."""
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def container(docs: list[dict[str, Any]], name: str = "web") -> dict[str, Any]:
    """A container of the web Deployment."""
    pod = find(docs, "Deployment", "web")["spec"]["template"]["spec"]
    return next(c for c in pod["containers"] + pod["initContainers"] if c["name"] == name)


def options(**overrides: Any) -> dict[str, Any]:
    """The probe's options with their defaults, as the config loader would pass them."""
    return {o.name: o.default for o in KubernetesProbe.option_schema} | overrides


def collect(environment: str = "production", keeper: SecretKeeper = KEEPER, **overrides: Any) -> ProbeResult:
    """Run the probe with these options; its data as the snapshot records it (secrets found by their
    shape fingerprinted)."""
    result = KubernetesProbe("k8s", options(**overrides), ProbeContext(environment, keeper)).collect()
    return ProbeResult(plain(result.data, keeper), result.gaps, result.warnings)


@contextlib.contextmanager
def serving(cluster: FakeCluster, folder: Path, context: str = "production",
            tls: bool = False) -> Iterator[tuple[FakeApiServer, Path]]:
    """A running fake API server and a kubeconfig (bearer token, optionally TLS) that reaches it."""
    with FakeApiServer(cluster, tls_dir=folder / f"tls-{context}" if tls else None) as server:
        kubeconfig = write_kubeconfig(folder / f"kubeconfig-{context}", [server.kubeconfig_entry(context)])
        yield server, kubeconfig


def live(docs: list[dict[str, Any]], folder: Path, seed: int = 1, environment: str = "production",
         setup: Callable[[FakeCluster], None] | None = None, **overrides: Any) -> ProbeResult:
    """Serve `docs` from a fake cluster and collect it."""
    cluster = build_cluster(docs, seed=seed)
    if setup is not None:
        setup(cluster)
    with serving(cluster, folder, environment) as (_, kubeconfig):
        return collect(environment, kubeconfig=str(kubeconfig), **overrides)


def findings(reference: ProbeResult, candidate: ProbeResult) -> dict[str, tuple[Change, Severity, Category]]:
    """Diff two results as an audit would: path -> (change, severity, category)."""
    snapshots = [Snapshot(env, "2026-11-27T00:00:00+00:00", "test", KEEPER.key_id,
                          {"k8s": ProbeSnapshot("kubernetes", "ok", data=plain(r.data), gaps=r.gaps)})
                 for env, r in (("production", reference), ("staging", candidate))]
    report = build_report(snapshots[0], snapshots[1:], Policy())
    return {f.path: (f.change, f.severity, f.category) for f in report.comparisons[0].findings}
