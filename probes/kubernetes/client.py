"""Talking to an API server through the official client: GET only, raw JSON, a timeout on every request.

Responses are not deserialised into model objects: the client sends the request
(auth, TLS, proxies, token refresh as kubectl does) and the JSON is parsed as is.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fidelity.probe import ProbeError, mask_text, one_line
from probes.kubernetes.kinds import Resource

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
DEFAULT_TIMEOUT = 30.0
DEFAULT_PAGE_SIZE = 500


class RequestFailed(Exception):
    """One request failed in a way that leaves the rest of the cluster readable."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        """HTTP status, or 0 for a timeout."""


class Cluster:
    """A connection to one API server, chosen by kubeconfig and context (or in-cluster config)."""

    def __init__(self, probe: str, opts: Mapping[str, Any]) -> None:
        import kubernetes.client
        import kubernetes.config
        from urllib3.util.retry import Retry

        client: Any = kubernetes.client  # untyped package: keep its calls out of strict checking
        config: Any = kubernetes.config

        self.probe = probe
        self.timeout = float(opts.get("request_timeout") or DEFAULT_TIMEOUT)
        self.page_size = int(opts.get("page_size") or DEFAULT_PAGE_SIZE)
        configuration = client.Configuration()
        kubeconfig = opts.get("kubeconfig") or os.environ.get("KUBECONFIG") or "~/.kube/config"
        has_file = any(os.path.exists(os.path.expanduser(p)) for p in kubeconfig.split(os.pathsep) if p)
        if not (opts.get("kubeconfig") or opts.get("context") or has_file) \
                and os.environ.get("KUBERNETES_SERVICE_HOST"):
            self.context = "in-cluster"
            try:
                config.load_incluster_config(client_configuration=configuration)
            except config.ConfigException as exc:
                raise ProbeError(f"probe {probe!r}: cannot use the in-cluster config: {exc}") from None
            self.namespace = _read_text(IN_CLUSTER_NAMESPACE) or "default"
        else:
            self.context, self.namespace = _load_kubeconfig(probe, kubeconfig, opts.get("context"),
                                                            configuration, config)
        # Retry a refused connection once; never repeat a request that timed out.
        configuration.retries = Retry(total=1, connect=1, read=0, status=0, redirect=0, other=0)
        self.host = configuration.host
        self.api: Any = client.ApiClient(configuration)

    def close(self) -> None:
        """Release the connection pool."""
        self.api.close()

    def where(self) -> str:
        """Names the probe and context in messages."""
        return f"probe {self.probe!r} (context {self.context!r})"

    def get(self, path: str, query: Sequence[tuple[str, Any]] = ()) -> Any:
        """GET one path and parse its JSON; 401 and unreachable servers raise ProbeError."""
        return _parse(self.fetch(path, query), path)

    def fetch(self, path: str, query: Sequence[tuple[str, Any]] = ()) -> bytes:
        """GET one path and return the body of a 200 answer."""
        import urllib3
        from kubernetes.client.exceptions import ApiException

        method, url, headers, _, _ = self.api.param_serialize(
            "GET", path, query_params=list(query), header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"])
        try:
            response = self.api.call_api(method, url, header_params=headers,
                                         _request_timeout=(self.timeout, self.timeout))
            raw = response.read()
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
                raise RequestFailed(0, f"no answer within request_timeout = {self.timeout:g} s") from None
            raise ProbeError(f"{self.where()}: cannot reach the API server at {self.host}: "
                             f"{_masked_reason(reason)}") from None
        except ApiException as exc:  # the client reports TLS failures this way
            raise ProbeError(f"{self.where()}: cannot connect to the API server at {self.host}: "
                             f"{_masked_reason(exc.reason)}") from None
        if response.status == 401:
            raise ProbeError(f"{self.where()}: the API server at {self.host} rejected the credentials "
                             "(401 Unauthorized); log in again or fix the user of this context")
        if response.status != 200:
            raise RequestFailed(response.status, _status_message(response.status, raw))
        return bytes(raw)

    def first_page(self, resource: Resource, namespace: str | None, selector: str = "") -> bytes:
        """The raw first page of a list, for `list_items` to parse: threads can wait for it in parallel."""
        return self.fetch(resource.path(namespace), self._query(selector))

    def list_items(self, resource: Resource, namespace: str | None, selector: str = "",
             first: bytes | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a list, page by page (limit/continue); items get their kind and apiVersion."""
        path = resource.path(namespace)
        query = self._query(selector)
        token: str | None = None
        restarted = False
        while True:
            try:
                if first is not None:
                    page, first = _parse(first, path), None
                else:
                    page = self.get(path, query + ([("continue", token)] if token else []))
            except RequestFailed as exc:
                if exc.status != 410 or restarted:  # 410: the continue token expired; start over once
                    raise
                token, restarted = None, True
                continue
            for item in page.get("items") or ():
                if isinstance(item, dict):
                    item["kind"], item["apiVersion"] = resource.kind, resource.api_version
                    yield item
            following = (page.get("metadata") or {}).get("continue")
            if not following or following == token:
                return
            token = following

    def _query(self, selector: str) -> list[tuple[str, Any]]:
        return [("limit", self.page_size)] + ([("labelSelector", selector)] if selector else [])


def _parse(raw: bytes, path: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise RequestFailed(200, f"GET {path} did not return JSON") from None


def _load_kubeconfig(probe: str, kubeconfig: str, context: str | None, configuration: Any,
                     config: Any) -> tuple[str, str]:
    """Load a kubeconfig context into `configuration`; returns the context's name and namespace."""
    try:
        merged = config.kube_config.KubeConfigMerger(kubeconfig).config
        if merged is None:
            raise ProbeError(f"probe {probe!r}: no kubeconfig found at {kubeconfig}; set `kubeconfig`, "
                             "or `manifests` to read rendered files instead")
        contexts = {str(node.value.get("name")): node.value for node in merged.value.get("contexts") or ()}
        name = context or merged.value.get("current-context")
        if not name:
            raise ProbeError(f"probe {probe!r}: kubeconfig {kubeconfig} has no current-context; "
                             "set `context`")
        chosen = contexts.get(name)
        if chosen is None:
            raise ProbeError(f"probe {probe!r}: context {name!r} is not in kubeconfig {kubeconfig} "
                             f"(contexts: {', '.join(sorted(contexts)) or 'none'})")
        config.load_kube_config(config_file=kubeconfig, context=name, client_configuration=configuration,
                                persist_config=False)
    except ProbeError:
        raise
    except Exception as exc:  # the loader raises many kinds (YAML, missing keys, exec plugins)
        raise ProbeError(f"probe {probe!r}: cannot load context {context or 'current'!r} from kubeconfig "
                         f"{kubeconfig}: {_masked_reason(exc)}") from None
    namespace = (chosen.get("context") or {}).get("namespace") or "default"
    return str(name), str(namespace)


def _status_message(status: int, raw: bytes) -> str:
    """The message of a Status object, or the HTTP status alone."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    message = body.get("message") if isinstance(body, dict) else None
    return f"HTTP {status}: {_masked_reason(message)}" if message else f"HTTP {status}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _masked_reason(value: object) -> str:
    """A server's or library's reason, on one line, bounded, with any credential masked."""
    return mask_text(one_line(value)[:300])
