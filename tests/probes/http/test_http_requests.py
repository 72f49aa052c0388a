"""What the http probe sends and what it records of TLS: per-endpoint request headers (sent, never
kept) and the cipher suite the server negotiated, against real servers started here."""

from __future__ import annotations

import json
import ssl
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from httpfixtures import Authority, Route, Service, bases, findings, json_body, run

TOKEN = "Tok-Common-Never-Shown-3318"     # the probe-wide Authorization, from ${TOKEN}
ADMIN = "Admin-Pw-Never-Shown-6120"       # one endpoint's own Authorization, from ${ADMIN}
TENANT = "Tenant-Never-Shown-8841"        # one endpoint's extra header, from ${TENANT}

OPTIONS = """\
ca_bundle = "{ca}"
headers = {{ Authorization = "Bearer ${{TOKEN}}" }}
  [probes.svc.endpoints]
  version = "${{BASE_{{env}}}}/version"
  [probes.svc.endpoints.admin]
  url = "${{BASE_{{env}}}}/admin"
  headers = {{ Authorization = "Basic ${{ADMIN}}", X-Tenant = "${{TENANT}}" }}
"""


def _routes() -> dict[str, Route]:
    return {"/version": (200, *json_body({"version": "1.0"})),
            "/admin": (200, *json_body({"ok": True}))}


def test_an_endpoints_own_headers_are_sent_to_it_only_and_never_kept(tmp_path: Path) -> None:
    ca = Authority(tmp_path)
    env = {"TOKEN": TOKEN, "ADMIN": ADMIN, "TENANT": TENANT}
    with ExitStack() as stack:
        production, staging = (stack.enter_context(Service(_routes(), ca.issue(name, [], 365)).running())
                               for name in ("production", "staging"))
        options = OPTIONS.format(ca=ca.bundle)
        out = tmp_path / "staging.json"
        snapshot = run(tmp_path, options, "snapshot", "--env", "staging", "-o", str(out),
                       env={**bases(production, staging), **env})
        audit = run(tmp_path, options, "audit", "--format", "json", "-o", "-",
                    env={**bases(production, staging), **env})
        html = run(tmp_path, options, "audit", "--format", "html", "-o", str(tmp_path / "report.html"),
                   env={**bases(production, staging), **env})
    assert snapshot.returncode == 0, snapshot.stderr
    assert audit.returncode == 0, audit.stderr
    assert findings(json.loads(audit.stdout)) == {}
    for service in (production, staging):
        sent = {path: headers for _, path, headers in service.requests}
        assert sent["/admin"]["authorization"] == f"Basic {ADMIN}"  # the endpoint's own overrides the common
        assert sent["/admin"]["x-tenant"] == TENANT
        assert sent["/version"]["authorization"] == f"Bearer {TOKEN}"
        assert "x-tenant" not in sent["/version"]  # another endpoint's header stays with it
    written = out.read_text(encoding="utf-8") + (tmp_path / "report.html").read_text(encoding="utf-8")
    shown = written + audit.stdout + "".join(r.stderr + r.stdout for r in (snapshot, audit, html))
    for secret in (TOKEN, ADMIN, TENANT):
        assert secret not in shown
    data = json.loads(out.read_text(encoding="utf-8"))["probes"]["svc"]["data"]["endpoints"]
    assert "x-tenant" not in data["admin"]["headers"]
    assert "authorization" not in data["admin"]["headers"]


def _tls12(cipher: str) -> Callable[[ssl.SSLContext], None]:
    def setup(context: ssl.SSLContext) -> None:
        context.maximum_version = ssl.TLSVersion.TLSv1_2  # TLS 1.3 suites are not chosen by set_ciphers
        context.set_ciphers(cipher)
    return setup


def test_the_negotiated_cipher_is_recorded_and_compared(tmp_path: Path) -> None:
    ca = Authority(tmp_path)  # EC keys: ECDSA suites
    suites = {"production": "ECDHE-ECDSA-AES256-GCM-SHA384", "staging": "ECDHE-ECDSA-AES128-GCM-SHA256"}
    options = f'ca_bundle = "{ca.bundle}"\nendpoints = {{ version = "${{BASE_{{env}}}}/version" }}'
    with ExitStack() as stack:
        production, staging = (
            stack.enter_context(Service(_routes(), ca.issue(name, [], 365), tls_setup=_tls12(c)).running())
            for name, c in suites.items())
        out = tmp_path / "staging.json"
        snapshot = run(tmp_path, options, "snapshot", "--env", "staging", "-o", str(out),
                       env=bases(production, staging))
        audit = run(tmp_path, options, "audit", "--format", "json", "-o", "-", env=bases(production, staging))
    assert snapshot.returncode == 0, snapshot.stderr
    tls = json.loads(out.read_text(encoding="utf-8"))["probes"]["svc"]["data"]["endpoints"]["version"]["tls"]
    assert staging.ciphers == {suites["staging"]}  # what the server negotiated ...
    assert tls["cipher"] == suites["staging"]      # ... is what the probe recorded
    assert tls["protocol"] == "TLSv1.2"
    assert production.ciphers == {suites["production"]}
    assert findings(json.loads(audit.stdout))["svc/endpoints/version/tls/cipher"] == ("changed", "medium")
