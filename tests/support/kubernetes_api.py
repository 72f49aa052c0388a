"""A fake Kubernetes API server: real HTTP(S) on 127.0.0.1, the REST API's wire format, from fixtures.

It serves discovery (`/version`, `/api`, `/api/v1`, `/apis`, `/apis/<group>/<version>`),
namespaced and cluster-wide lists with `limit`/`continue` (items without kind and
apiVersion, as the real server sends them), `labelSelector`, bearer-token auth (401),
per-kind 403 with a Status object, 404, 500 and a list that never answers. It records
every request so that tests can check the method, path, query and count.
"""

from __future__ import annotations

import base64
import json
import re
import ssl
import subprocess
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from probes.kubernetes.kinds import CRD, KNOWN, NODE, Resource, api_group
from probes.kubernetes.selector import parse_selector, selects
from tests.support.kubernetes_cluster import FakeCluster

_LIST_RE = re.compile(r"/(?:api|apis/(?P<group>[^/]+))/(?P<version>[^/]+)"
                      r"(?:/namespaces/(?P<namespace>[^/]+))?/(?P<plural>[^/]+)")
_GROUP_RE = re.compile(r"/(?:api|apis/(?P<group>[^/]+))/(?P<version>[^/]+)")


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A metav1.Status object as the API server sends with errors."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    return body | ({"details": details} if details else {})


class FakeApiServer:
    """Serves one FakeCluster until stopped; use as a context manager."""

    def __init__(self, cluster: FakeCluster, tls_dir: Path | None = None) -> None:
        self.cluster = cluster
        self.requests: list[Request] = []
        self.released = threading.Event()
        self.resources = _resources(cluster)
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.app = self  # type: ignore[attr-defined]
        self.ca_pem: bytes | None = None
        if tls_dir is not None:
            cert, key, self.ca_pem = make_certificates(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        scheme = "https" if tls_dir else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FakeApiServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def kubeconfig_entry(self, context: str, namespace: str = "shop", token: str | None = None
                         ) -> dict[str, Any]:
        """The cluster, user and context of a kubeconfig that reaches this server."""
        cluster: dict[str, Any] = {"server": self.url}
        if self.ca_pem is not None:
            cluster["certificate-authority-data"] = base64.b64encode(self.ca_pem).decode()
        return {"cluster": {"name": context, "cluster": cluster},
                "user": {"name": context, "user": {"token": token or self.cluster.token}},
                "context": {"name": context, "context": {"cluster": context, "user": context,
                                                         "namespace": namespace}}}

    def answer(self, method: str, target: str, headers: Any) -> tuple[int, bytes | None]:
        """Status and body for one request; None as the body means never answer."""
        url = urlsplit(target)
        query = parse_qs(url.query)
        self.requests.append(Request(method, url.path, query))
        if method != "GET":
            return 405, _encode(status(405, "MethodNotAllowed", f"{method} is not supported"))
        scheme, _, token = str(headers.get("Authorization", "")).partition(" ")
        if scheme.lower() != "bearer" or token != self.cluster.token:  # the scheme is case-insensitive
            return 401, _encode(status(401, "Unauthorized", "Unauthorized"))
        cached = self._cache.get(target)
        if cached is None:
            reply = self._route(url.path.rstrip("/") or "/", query)
            if reply is None:
                return 0, None
            cached = reply[0], _encode(reply[1])
            if reply[0] == 200:
                self._cache[target] = cached
        return cached

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any] | None:
        if path == "/version":
            major, minor = self.cluster.version.lstrip("v").split(".")[:2]
            return 200, {"major": major, "minor": minor, "gitVersion": self.cluster.version,
                         "gitCommit": "6813625b7cd706db5bc7388921be03071e1a492d", "gitTreeState": "clean",
                         "buildDate": "2026-01-15T10:00:00Z", "goVersion": "go1.21.8", "compiler": "gc",
                         "platform": "linux/amd64"}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": self._groups()}
        if match := _GROUP_RE.fullmatch(path):
            return self._resource_list(match["group"] or "", match["version"])
        if match := _LIST_RE.fullmatch(path):
            return self._list(match["group"] or "", match["version"], match["namespace"], match["plural"],
                              query)
        return 404, status(404, "NotFound", "the server could not find the requested resource")

    def _groups(self) -> list[dict[str, Any]]:
        versions: dict[str, list[str]] = {}
        for resource in self.resources.values():
            if resource.group:
                versions.setdefault(resource.group, [])
                if resource.version not in versions[resource.group]:
                    versions[resource.group].append(resource.version)
        return [{"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in sorted(versions.items())]

    def _resource_list(self, group: str, version: str) -> tuple[int, Any]:
        served = [r for r in self.resources.values() if (r.group, r.version) == (group, version)]
        if not served:
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        group_version = f"{group}/{version}" if group else version
        return 200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
                     "resources": [{"name": r.plural, "singularName": r.kind.lower(), "kind": r.kind,
                                    "namespaced": r.namespaced, "verbs": ["get", "list", "watch"]}
                                   for r in served]}

    def _list(self, group: str, version: str, namespace: str | None, plural: str,
              query: dict[str, list[str]]) -> tuple[int, Any] | None:
        resource = self.resources.get((group, version, plural))
        if resource is None:
            return 404, status(404, "NotFound", "the server could not find the requested resource")
        if plural in self.cluster.hanging:
            self.released.wait(60)
            return None
        failure = self.cluster.failing.get(plural)
        if failure == 410 and "continue" in query:  # the token expires once
            del self.cluster.failing[plural]
            return 410, status(410, "Expired", "The provided continue parameter is too old")
        if failure is not None and failure != 410:
            return failure, status(failure, "InternalError", "etcdserver: request timed out")
        if {(plural, namespace), (plural, None)} & self.cluster.forbidden:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            message = (f'{plural} is forbidden: User "fidelity" cannot list resource "{plural}" '
                       f'in API group "{group}" {scope}')
            return 403, status(403, "Forbidden", message, {"kind": plural})
        selector = parse_selector(query.get("labelSelector", [""])[0])
        items = sorted((o for o in self.cluster.objects if o["kind"] == resource.kind
                        and (api_group(o.get("apiVersion")) or "") == group
                        and (namespace is None or o["metadata"].get("namespace") == namespace)
                        and selects(selector, o["metadata"].get("labels"))),
                       key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        start = int(json.loads(base64.b64decode(query["continue"][0]))["start"]) if "continue" in query else 0
        limit = int(query.get("limit", ["0"])[0]) or len(items) or 1
        page = items[start:start + limit]
        meta: dict[str, Any] = {"resourceVersion": str(90000 + len(self.requests))}
        if start + limit < len(items):
            token = {"v": "meta.k8s.io/v1", "rv": 90000, "start": start + limit}
            meta["continue"] = base64.b64encode(json.dumps(token).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - limit
        return 200, {"kind": f"{resource.kind}List", "apiVersion": resource.api_version, "metadata": meta,
                     "items": [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in page]}


def _resources(cluster: FakeCluster) -> dict[tuple[str, str, str], Resource]:
    """Every served (group, version, plural): the built-in kinds, Node, CRDs and custom resources."""
    served = [Resource(kind, group, version, plural, namespaced)
              for kind, (group, versions, plural, namespaced) in KNOWN.items() for version in versions]
    served += [NODE, CRD]
    for crd in (o for o in cluster.objects if o["kind"] == CRD.kind):
        spec = crd["spec"]
        served += [Resource(spec["names"]["kind"], spec["group"], v["name"], spec["names"]["plural"],
                            spec.get("scope") != "Cluster") for v in spec["versions"] if v.get("served")]
    return {(r.group, r.version, r.plural): r for r in served}


def _encode(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes

    def _serve(self) -> None:
        app: FakeApiServer = self.server.app  # type: ignore[attr-defined]
        code, body = app.answer(self.command, self.path, self.headers)
        if body is None:
            self.close_connection = True
            return
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `requests` instead."""


def make_certificates(folder: Path) -> tuple[Path, Path, bytes]:
    """A CA and a server certificate for 127.0.0.1, made with the openssl CLI; returns cert, key, CA PEM."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    (folder / "ext").write_text("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                                "basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\n"
                                "authorityKeyIdentifier=keyid\n")
    for args in (["req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj",
                  "/CN=fake-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
                  "keyUsage=critical,keyCertSign"],
                 ["req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=fake-apiserver"],
                 ["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                  "-out", "server.crt", "-days", "2", "-extfile", "ext"]):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=30)
    return folder / "server.crt", folder / "server.key", (folder / "ca.crt").read_bytes()


def write_kubeconfig(path: Path, entries: list[dict[str, Any]], current: str | None = None) -> Path:
    """A kubeconfig (JSON is YAML) holding the given server entries."""
    config = {"apiVersion": "v1", "kind": "Config",
              "clusters": [e["cluster"] for e in entries], "users": [e["user"] for e in entries],
              "contexts": [e["context"] for e in entries],
              "current-context": current or entries[0]["context"]["name"]}
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return path
