"""Kubernetes probe benchmark: a snapshot against plain HTTP GETs plus json.loads of the same pages.

Run `python -m benchmarks.kubernetes_bench` (full size: 5,000 objects across the
default kinds in two namespaces, served by the fake API server) or `--smoke`. It
prints a table, the ratio (target: the snapshot takes at most 1.5x the plain
reads, measured in the same run) and the request count, which is the list pages
(kinds x namespaces x pages) plus a fixed number of discovery and cluster calls.
Exits 1 when a full-size run misses the target.
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing
import statistics
import sys
import tempfile
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `benchmarks`, `probes` and `tests.support` importable
    sys.path.insert(0, str(ROOT))

import urllib3  # noqa: E402
from tabulate import tabulate  # noqa: E402

from benchmarks.diff_bench import best_of  # noqa: E402
from fidelity.probe import ProbeContext  # noqa: E402
from fidelity.redact import SecretKeeper  # noqa: E402
from probes.config_files.formats import parse_yaml  # noqa: E402
from probes.kubernetes import KubernetesProbe  # noqa: E402
from probes.kubernetes.manifests import documents  # noqa: E402
from tests.support.kubernetes_api import FakeApiServer, write_kubeconfig  # noqa: E402
from tests.support.kubernetes_cluster import build_cluster  # noqa: E402

FIXTURE = ROOT / "tests" / "probes" / "kubernetes" / "fixtures" / "shop.yaml"
NAMESPACES = ("shop", "payments")
TARGET_RATIO = 1.5


def manifests(total: int) -> list[dict[str, Any]]:
    """`total` objects over both namespaces: copies of the shop fixture with numbered names."""
    bundle = list(documents(parse_yaml(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE))))
    per_namespace = max(1, total // len(NAMESPACES))
    out: list[dict[str, Any]] = []
    while len(out) < per_namespace:
        suffix = f"-{len(out) // len(bundle):04d}"
        for doc in bundle[: per_namespace - len(out)]:
            copied = copy.deepcopy(doc)
            copied["metadata"]["name"] += suffix
            out.append(copied)
    return out


def plain_reads(url: str, token: str, targets: list[str]) -> Callable[[], object]:
    """Fetch the same URLs with urllib3 and json.loads each body: the floor for any client."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def run() -> object:
        pool = urllib3.PoolManager()
        try:
            return [json.loads(pool.request("GET", url + t, headers=headers).data) for t in targets]
        finally:
            pool.clear()

    return run


def serve(total: int, conn: Connection) -> None:
    """Child process: serve `total` objects, answering requests for the request log, until told to stop."""
    cluster = build_cluster(manifests(total), namespaces=NAMESPACES, seed=7)
    with FakeApiServer(cluster) as server:
        conn.send((sum(o["kind"] != "Node" for o in cluster.objects), server.kubeconfig_entry("bench")))
        while conn.recv() == "log":
            conn.send([r.path + ("?" + urlencode({k: v[0] for k, v in r.query.items()}) if r.query else "")
                       for r in server.requests])
            server.requests.clear()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when the target is met (or at smoke size), 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny size, no target check")
    parser.add_argument("--objects", type=int, default=5000, help="objects served (default 5000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each side (median)")
    args = parser.parse_args(argv)
    total = 60 if args.smoke else args.objects
    # The API server runs in its own process, as it would on its own machine.
    conn, child_conn = multiprocessing.Pipe()
    child = multiprocessing.get_context("spawn").Process(target=serve, args=(total, child_conn), daemon=True)
    child.start()
    try:
        objects, entry = conn.recv()
        with tempfile.TemporaryDirectory() as folder:
            kubeconfig = write_kubeconfig(Path(folder) / "kubeconfig", [entry])
            options = {o.name: o.default for o in KubernetesProbe.option_schema}
            options |= {"kubeconfig": str(kubeconfig), "namespaces": list(NAMESPACES)}
            probe = KubernetesProbe("k8s", options, ProbeContext("bench", SecretKeeper(b"bench")))
            probe.collect()  # warm-up: the server encodes each page once
            conn.send("log")
            sent: list[str] = conn.recv()
            reads = plain_reads(entry["cluster"]["cluster"]["server"], entry["user"]["user"]["token"], sent)
            # Alternate the two sides, so that a burst of load elsewhere hits both alike.
            pairs = [(best_of(1, probe.collect), best_of(1, reads)) for _ in range(args.runs)]
            snapshot_time = statistics.median(p[0] for p in pairs)
            plain_time = statistics.median(p[1] for p in pairs)
    finally:
        conn.send("stop")
        child.join(10)
    facts = ("/api/v1/nodes", "/apis/apiextensions")  # node and CRD lists: fixed calls
    lists = sum(1 for t in sent if "limit=" in t and not t.startswith(facts))
    ratio = snapshot_time / plain_time
    print(tabulate([
        ["objects served (+ cluster-created)", f"{objects:,}"],
        ["requests per snapshot", f"{len(sent)} = {lists} list pages + {len(sent) - lists} fixed calls"],
        ["snapshot (kubernetes probe)", f"{snapshot_time * 1000:,.0f} ms"],
        ["plain GET + json.loads, same pages", f"{plain_time * 1000:,.0f} ms"],
    ], headers=["kubernetes probe", ""], tablefmt="simple"))
    print(f"\nratio snapshot / plain reads: {ratio:.2f}x (target ≤ {TARGET_RATIO}x)")
    print(f"request count: {len(sent)}")
    if args.smoke:
        return 0
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
