"""Serve a `production` and a `staging` service on 127.0.0.1 for the `http` probe example.

    python examples/http/serve.py &                  # http://127.0.0.1:8480/production/... and /staging/...
    fidelity audit -c examples/http/fidelity.toml    # exit 1: staging drifted
    kill %1

Staging serves a release candidate with another feature flag, a weaker
Strict-Transport-Security, a CSP that allows inline scripts, and a session cookie
without `Secure`. Only the standard library; `--port` picks another port.
"""

from __future__ import annotations

import argparse
import json
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUILDS = {
    "production": {"version": "2.3.1", "commit": "9f1c2e7",
                   "flags": {"new_checkout": False, "search_v2": True}},
    "staging": {"version": "2.4.0-rc.1", "commit": "b41d0aa",
                "flags": {"new_checkout": True, "search_v2": True}},
}
HEADERS = {
    "production": [("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
                   ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-{nonce}'"),
                   ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store")],
    "staging": [("Strict-Transport-Security", "max-age=300"),
                ("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"),
                ("X-Frame-Options", "DENY"), ("Cache-Control", "no-store")],
}
COOKIE = {"production": "Path=/; Secure; HttpOnly; SameSite=Lax", "staging": "Path=/; HttpOnly; SameSite=Lax"}


class Handler(BaseHTTPRequestHandler):
    """Answers /<env>/version (JSON), /<env>/ (HTML) and /<env>/old (a redirect to /<env>/)."""

    server_version = "shop/1.0"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        env, _, page = self.path.lstrip("/").partition("/")
        if env not in BUILDS:
            self.send_error(404)
            return
        nonce = secrets.token_hex(8)
        headers = [(k, v.replace("{nonce}", nonce)) for k, v in HEADERS[env]]
        if page == "old":  # production moved the page for good; staging only for now
            self.reply(301 if env == "production" else 302, [("Location", f"/{env}/")], b"")
        elif page == "version":
            body = json.dumps({**BUILDS[env], "environment": env, "served_at": nonce}).encode()
            self.reply(200, [("Content-Type", "application/json"), *headers], body)
        elif page == "":
            cookie = ("Set-Cookie", f"session={secrets.token_urlsafe(16)}; {COOKIE[env]}")
            self.reply(200, [("Content-Type", "text/html; charset=utf-8"), cookie, *headers],
                       f"<h1>Shop ({env})</h1>".encode())
        else:
            self.send_error(404)

    def reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8480)
    port = parser.parse_args().port
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"serving production and staging on http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
