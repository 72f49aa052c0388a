"""Real HTTP and HTTPS servers on 127.0.0.1 for the http probe's tests, with certificates made here.

`Service` answers from a table of routes and records every request (method, path, headers), so a
test can assert what the probe sent. Certificates come from `cryptography` (`Authority`, in
tests/support/certificates.py): a CA per test and a server certificate with the SAN names, key type
and lifetime a test asks for.
"""

from __future__ import annotations

import json
import os
import secrets
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.certificates import Authority as Authority  # the http tests take it from here

Headers = list[tuple[str, str]]
#: A route answers (status, headers, body); a callable gets the request's path and headers.
Route = tuple[int, Headers, bytes] | Callable[[str, dict[str, str]], tuple[int, Headers, bytes]]


@dataclass
class Service:
    """A threaded HTTP(S) server on 127.0.0.1 answering from `routes`; `requests` records what came in."""

    routes: dict[str, Route]
    tls: tuple[Path, Path] | None = None
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    tls_setup: Callable[[ssl.SSLContext], None] | None = None
    """Changes to the server's TLS context (protocol versions, ciphers) before it listens."""
    ciphers: set[str] = field(default_factory=set)
    """The cipher suites the server negotiated, as it saw them."""

    @property
    def base(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[Service]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def answer(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.requests.append((self.command, self.path, headers))
                if isinstance(self.connection, ssl.SSLSocket):
                    service.ciphers.add((self.connection.cipher() or ("",))[0])
                route = service.routes.get(self.path.split("?")[0])
                status, extra, body = (404, [("Content-Type", "text/plain")], b"not found") if route is None \
                    else route(self.path, headers) if callable(route) else route
                self.send_response(status)
                for name, value in extra:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-Request-Id", secrets.token_hex(8))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = answer

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        if self.tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, self.tls))
            if self.tls_setup:
                self.tls_setup(context)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()

    def methods(self) -> set[str]:
        return {method for method, _, _ in self.requests}


def json_body(document: Any) -> tuple[Headers, bytes]:
    return [("Content-Type", "application/json")], json.dumps(document).encode()


CONFIG = """\
[audit]
reference = "production"
[environments.production]
[environments.staging]

[probes.svc]
type = "http"
{options}
"""


def run(tmp_path: Path, options: str, *args: str, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    """`fidelity <args>` with a config holding one http probe named svc."""
    config = tmp_path / "fidelity.toml"
    config.write_text(CONFIG.format(options=options), encoding="utf-8")
    full = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "FIDELITY_CONFIG")}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "fidelity", *args, "-c", str(config)], capture_output=True,
                          text=True, env=full, timeout=120, check=False)


def findings(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """path -> (change, severity) of the first comparison."""
    return {f["path"]: (f["change"], f["severity"]) for f in report["comparisons"][0]["findings"]}


def bases(production: Service, staging: Service) -> dict[str, str]:
    """BASE_production and BASE_staging, as the configs below use them: "${BASE_{env}}/path"."""
    return {"BASE_production": production.base, "BASE_staging": staging.base}
